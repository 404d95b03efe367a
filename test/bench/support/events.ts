/**
 * Benchmark payloads and codecs.
 *
 * Every case publishes the same `orders.created` CloudEvents envelope (two order lines, ~500 bytes of JSON), so the
 * raw client and our transport move identical bytes. Subjects are moved under a per-run prefix
 * (`bench.<run>.<case>.orders.created`) so the benchmark's streams never overlap the saga's `ORDERS` stream on a
 * shared NATS server.
 *
 * Codecs (`--codec`):
 * - `cloudevents` (default, the honest one): the real `cloudEventCodec` from @app/contracts, i.e. strict
 *   class-validator validation on publish and tolerant validation (with upcasting) on consume, as the services run.
 * - `json`: plain JSON.stringify / JSON.parse, to show what the transport costs without contract validation.
 */
import { randomUUID } from 'node:crypto';

import { cloudEventCodec, createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import type { MessageCodec } from '@app/messaging';

export type CodecName = 'cloudevents' | 'json';

export type BenchEvent = EventEnvelope<typeof Subjects.OrderCreated>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One valid `orders.created` event, built (and validated) once; copies only change the ids. */
export function eventTemplate(): BenchEvent {
  return createEvent(
    Subjects.OrderCreated,
    {
      orderId: randomUUID(),
      customerId: 'bench-customer-0042',
      currency: 'EUR',
      items: [
        { sku: 'SKU-001', quantity: 2, unitPrice: 1250 },
        { sku: 'SKU-007', quantity: 1, unitPrice: 990 },
      ],
      totalAmount: 3490,
    },
    { source: 'bench' },
  );
}

/** `count` distinct events (fresh event ids, so JetStream's de-duplication never drops one). Built before timing. */
export function makeEvents(template: BenchEvent, count: number): BenchEvent[] {
  const events: BenchEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const orderId = randomUUID();
    events[i] = { ...template, id, correlationid: id, subject: orderId, data: { ...template.data, orderId } };
  }
  return events;
}

/** The bytes a raw-client user would publish for an event: its JSON. */
export function rawBytes(event: BenchEvent): Uint8Array {
  return encoder.encode(JSON.stringify(event));
}

/** A `MessageCodec` (and `OutboxCodec`) publishing under `<prefix>.<event type>`. */
export function benchCodec(
  name: CodecName,
  prefix: string,
): MessageCodec & { encode(event: unknown): { subject: string; msgId: string; data: Uint8Array } } {
  const strip = (subject: string) => (subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1) : subject);
  if (name === 'cloudevents') {
    return {
      encode(event: unknown) {
        const encoded = cloudEventCodec.encode(event as BenchEvent);
        return { ...encoded, subject: `${prefix}.${encoded.subject}` };
      },
      decode: (subject: string, data: Uint8Array) => cloudEventCodec.decode(strip(subject), data),
    };
  }
  return {
    encode(event: unknown) {
      const e = event as BenchEvent;
      return { subject: `${prefix}.${e.type}`, msgId: e.id, data: encoder.encode(JSON.stringify(e)) };
    },
    decode(_subject: string, data: Uint8Array) {
      try {
        return { ok: true, value: JSON.parse(decoder.decode(data)) };
      } catch (error) {
        return { ok: false, kind: 'malformed', reason: (error as Error).message };
      }
    },
  };
}
