import { randomUUID } from 'node:crypto';

import { EventCatalog, type EventDataMap } from '../events/event-catalog';
import type { Subject } from '../subjects';
import { validateEventFast } from '../validation/validate-event-fast';
import { CLOUDEVENTS_SPEC_VERSION, DATA_CONTENT_TYPE, type EventEnvelope } from './event-envelope';

export interface CreateEventOptions {
  /** The emitting service, e.g. `order-service`. */
  source: string;
  /** The aggregate id; defaults to `data.orderId`. */
  subject?: string;
  /** Defaults to the new event's own id (a saga's first event starts the correlation). */
  correlationId?: string;
  /** The id of the event being handled when this one is emitted. */
  causationId?: string;
  /** Defaults to a random UUID. Pass one only to re-create a known event. */
  id?: string;
  /** Defaults to now. */
  time?: Date | string;
}

/**
 * Builds a CloudEvents envelope around `data` at the type's current `dataversion` and validates it strictly (the
 * publisher refuses unknown fields). Throws `EventValidationError` listing every failing field path.
 */
export function createEvent<S extends Subject>(type: S, data: EventDataMap[S], options: CreateEventOptions): EventEnvelope<S> {
  const id = options.id ?? randomUUID();
  const time = options.time instanceof Date ? options.time.toISOString() : (options.time ?? new Date().toISOString());
  const candidate: Record<string, unknown> = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id,
    source: options.source,
    type,
    subject: options.subject ?? (data as { orderId?: unknown } | undefined)?.orderId,
    time,
    datacontenttype: DATA_CONTENT_TYPE,
    dataversion: EventCatalog[type]?.currentVersion,
    correlationid: options.correlationId ?? id,
    ...(options.causationId !== undefined ? { causationid: options.causationId } : {}),
    data,
  };
  const result = validateEventFast(candidate, { mode: 'strict' });
  if (!result.ok) throw result.error;
  return result.event as EventEnvelope<S>;
}
