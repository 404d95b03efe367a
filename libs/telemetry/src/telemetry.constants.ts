/**
 * Semantic-convention names this library emits.
 *
 * The messaging attributes and metrics are still "development" status in OpenTelemetry, so they live only in the
 * `@opentelemetry/semantic-conventions/incubating` entry point, which may rename or drop them in any minor release.
 * They are copied here (values as of semantic-conventions 1.45) so an upgrade cannot silently change what we emit;
 * renaming one is a dashboard/alert migration, not a refactor. Stable names (`error.type`, `service.name`, ...) are
 * imported from the stable entry point where they are used.
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/
 */
export const MessagingAttributes = {
  SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  OPERATION_TYPE: 'messaging.operation.type',
  OPERATION_NAME: 'messaging.operation.name',
  MESSAGE_ID: 'messaging.message.id',
  MESSAGE_BODY_SIZE: 'messaging.message.body.size',
  CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  /** NATS has no registered `messaging.nats.*` namespace yet: these follow the convention's system-specific pattern. */
  NATS_STREAM: 'messaging.nats.stream',
  NATS_SEQUENCE: 'messaging.nats.sequence',
  NATS_DELIVERY_COUNT: 'messaging.nats.delivery_count',
  NATS_REDELIVERED: 'messaging.nats.redelivered',
  NATS_DUPLICATE: 'messaging.nats.duplicate',
  /** Settlement outcome (`ack`, `nak`, `term`, `dlq`) on the consumed-messages counter. */
  NATS_OUTCOME: 'messaging.nats.outcome',
  /** The service whose dead letters `messaging.dlq.depth` counts (the DLQ stream is shared: `dlq.<service>.>`). */
  NATS_DLQ_SERVICE: 'messaging.nats.dlq.service',
} as const;

/** `messaging.system` value. */
export const MESSAGING_SYSTEM_NATS = 'nats';

/** `messaging.operation.type` values used here. */
export const MessagingOperationType = { SEND: 'send', PROCESS: 'process' } as const;

/** Metric names: the first four from the messaging conventions, the last ours (no convention exists). */
export const MessagingMetricNames = {
  SENT_MESSAGES: 'messaging.client.sent.messages',
  CONSUMED_MESSAGES: 'messaging.client.consumed.messages',
  PROCESS_DURATION: 'messaging.process.duration',
  OPERATION_DURATION: 'messaging.client.operation.duration',
  DEAD_LETTER_MESSAGES: 'messaging.dead_letter.messages',
} as const;

/**
 * The backlog gauges (issue 19): what is waiting, read in the background and reported at scrape time. No semantic
 * convention covers them, so the names are ours; they are a contract with `docker/prometheus/alerts.yaml` and the
 * Grafana dashboard (renaming one is a migration). The Prometheus exporter in use appends no unit suffix, hence the
 * explicit `_seconds` on the one duration.
 */
export const BacklogMetricNames = {
  /** Per durable consumer (`messaging.nats.stream`, `messaging.consumer.group.name`): messages not yet delivered. */
  CONSUMER_PENDING: 'messaging.consumer.pending',
  /** Per durable consumer: delivered, not yet acknowledged. */
  CONSUMER_ACK_PENDING: 'messaging.consumer.ack_pending',
  /** Dead letters this service parked in the DLQ stream (`messaging.nats.dlq.service`). */
  DLQ_DEPTH: 'messaging.dlq.depth',
  /** Outbox rows not yet published. */
  OUTBOX_ROWS: 'outbox.backlog.rows',
  /** Age of the oldest unpublished outbox row (0 when there is none). */
  OUTBOX_OLDEST_AGE: 'outbox.oldest_unsent.age_seconds',
} as const;

/**
 * Bucket boundaries (seconds) the messaging conventions prescribe for `messaging.process.duration` and
 * `messaging.client.operation.duration`; given as instrument advice so they apply without SDK views.
 */
export const MESSAGING_DURATION_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Instrumentation scope of the spans and metrics this library creates. */
export const INSTRUMENTATION_SCOPE = '@app/telemetry/messaging';

/** The W3C headers the publisher writes into NATS message headers (via the global propagator). */
export const PROPAGATION_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
