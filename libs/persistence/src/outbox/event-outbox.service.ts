import { Inject, Injectable } from '@nestjs/common';

import type { Tx } from '../database/database.types';
import { PERSISTENCE_OPTIONS } from '../persistence.constants';
import type { OutboxEvent, OutboxHeaders, PersistenceModuleOptions } from '../persistence.interfaces';
import { OutboxRepository } from './outbox.repository';
import { otelOutboxTracing } from './outbox.tracing';

/** Header carrying the event's correlation id next to the trace context. */
export const CORRELATION_ID_HEADER = 'correlation-id';

/**
 * The business-facing side of the outbox: `enqueue(tx, event)` encodes (and so validates) the event with the
 * configured codec and stores the exact bytes with the current trace context, inside the caller's transaction.
 */
@Injectable()
export class EventOutbox {
  constructor(
    private readonly repository: OutboxRepository,
    @Inject(PERSISTENCE_OPTIONS) private readonly options: PersistenceModuleOptions,
  ) {}

  /** Throws the codec's validation error for an invalid event, which rolls the caller's transaction back. */
  async enqueue(tx: Tx, event: OutboxEvent, options: { headers?: OutboxHeaders } = {}): Promise<void> {
    const codec = this.options.codec;
    if (!codec) throw new Error('EventOutbox: PersistenceModule was configured without a codec');
    const { subject, msgId, data } = codec.encode(event);
    const headers: OutboxHeaders = { ...options.headers, ...(this.options.tracing ?? otelOutboxTracing).capture() };
    if (typeof event.correlationid === 'string' && !headers[CORRELATION_ID_HEADER]) headers[CORRELATION_ID_HEADER] = event.correlationid;
    await this.repository.add(tx, { id: msgId, subject, data, headers });
  }
}
