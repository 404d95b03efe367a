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
 * Bucket boundaries (seconds) the messaging conventions prescribe for `messaging.process.duration` and
 * `messaging.client.operation.duration`; given as instrument advice so they apply without SDK views.
 */
export const MESSAGING_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Instrumentation scope of the spans and metrics this library creates. */
export const INSTRUMENTATION_SCOPE = '@app/telemetry/messaging';

/** The W3C headers the publisher writes into NATS message headers (via the global propagator). */
export const PROPAGATION_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
