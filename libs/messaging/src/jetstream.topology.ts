import { AckPolicy, type ConsumerConfig, DeliverPolicy, nanos } from 'nats';

import { DLQ_STREAM_NAME, DLQ_SUBJECT_PREFIX } from './messaging.constants';
import type { ConsumerSettings, StreamSpec } from './messaging.options';

/** The DLQ stream every service that dead-letters ensures (identical declaration everywhere, so never a conflict). */
export const DLQ_STREAM_SPEC: StreamSpec = {
  name: DLQ_STREAM_NAME,
  subjects: [`${DLQ_SUBJECT_PREFIX}.>`],
  description: 'Dead letters: original payload byte for byte, reason in dlq-* headers',
};

/** The settings a consumer's server-side configuration follows (`pullBatch` only sizes `max_ack_pending`). */
export type ConsumerProvisioning = Omit<Required<ConsumerSettings>, 'pullBatch'> & Pick<ConsumerSettings, 'pullBatch'>;

/** The consumer configuration one (service, subject) pair gets. */
export function consumerConfig(durable: string, subject: string, settings: ConsumerProvisioning): Partial<ConsumerConfig> {
  return {
    durable_name: durable,
    // Explicit, always: with an unset policy the legacy builder picks AckAll (DESIGN.md pitfalls).
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
    filter_subject: subject,
    // Room for a full pull batch on top of the running handlers, so the server never stalls a refill.
    max_ack_pending: Math.max(1000, settings.concurrency * 4, (settings.pullBatch ?? 0) * 2),
  };
}
