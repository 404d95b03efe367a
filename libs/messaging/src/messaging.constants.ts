/** DI token of the resolved `MessagingModuleOptions`. */
export const MESSAGING_OPTIONS = 'MESSAGING:OPTIONS';

/**
 * DI token of the optional instrumentation hook (telemetry provides it). The value must stay identical to
 * `libs/telemetry/src/messaging.contract.ts`, which matches it by string.
 */
export const MESSAGING_INSTRUMENTATION = 'MESSAGING:INSTRUMENTATION';

/** Transport id Nest sees for this strategy. */
export const JETSTREAM_TRANSPORT = Symbol('JETSTREAM');

/** Name and subjects of the dead-letter stream (renaming it needs a migration plan: existing dead letters stay behind). */
export const DLQ_STREAM_NAME = 'DLQ';
export const DLQ_SUBJECT_PREFIX = 'dlq';

/** Headers written on every dead letter. */
export const DlqHeaders = {
  OriginalSubject: 'dlq-original-subject',
  OriginalStream: 'dlq-original-stream',
  StreamSeq: 'dlq-stream-seq',
  OriginalMsgId: 'dlq-original-msg-id',
  Error: 'dlq-error',
  Reason: 'dlq-reason',
  DeliveryCount: 'dlq-delivery-count',
  Consumer: 'dlq-consumer',
  Time: 'dlq-time',
} as const;

export const DEFAULTS = {
  reconnectTimeWaitMs: 2000,
  reconnectJitterMs: 500,
  concurrency: 16,
  pullBatch: 128,
  ackWaitMs: 30_000,
  maxDeliver: 5,
  backoffMs: [1000, 5000, 15_000, 30_000] as readonly number[],
  duplicateWindowMs: 120_000,
  shutdownTimeoutMs: 10_000,
  streamWaitMs: 2000,
  /** How long start-up provisioning waits for a JetStream that answers 503 or times out (a cluster electing its meta leader). */
  jetStreamWaitMs: 30_000,
  /** A pull request's lifetime; the server answers 408 when it ends unfilled and the client pulls again. */
  pullExpiresMs: 30_000,
  /**
   * Idle heartbeat of a pull request. Two missed ones make the client check the consumer and pull again: that is
   * how a consumer resumes after its leader moved to another node of a cluster (the new leader never saw the old
   * pull). nats' default, half the expiry, would take 30 s to notice.
   */
  pullHeartbeatMs: 5000,
} as const;
