import fc from 'fast-check';

import { toMinorUnits, upcastOrderCreatedV1 } from '../events/order-created.event';
import { cloudEventCodec, createEvent, Subjects } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { ORDER_ID, v1OrderCreated, validData } from '../testing/event-fixtures';
import { NEWER_PRODUCER, PUBLISHER_MISTAKES, V1_LINES } from '../testing/refusal-cases';
import { EventValidationError } from '../validation/event-validation.error';

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('cloudEventCodec', () => {
  it.each(ALL_SUBJECTS.map((s) => [s]))('round-trips a %s event', (type) => {
    const event = createEvent(type, validData[type] as never, { source: 'test-service', causationId: 'cause-1' });
    const encoded = cloudEventCodec.encode(event);
    expect(encoded.subject).toBe(type);
    expect(encoded.msgId).toBe(event.id);
    expect(JSON.parse(new TextDecoder().decode(encoded.data))).toEqual(event);
    expect(cloudEventCodec.decode(type, encoded.data)).toEqual({ ok: true, value: event });
  });

  it('refuses to encode an invalid event (publisher side) with every failing path', () => {
    const event = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: 'order-service' });
    const broken = { ...event, data: { ...event.data, ...PUBLISHER_MISTAKES[1][1] } };
    expect(() => cloudEventCodec.encode(broken)).toThrow(EventValidationError);
    expect(() => cloudEventCodec.encode(broken)).toThrow(/data\.totalAmount.*data\.note|data\.note.*data\.totalAmount/);
  });

  describe('decode failures', () => {
    it('classifies bytes that are not JSON as malformed', () => {
      expect(cloudEventCodec.decode('orders.created', bytes('{"specversion":'))).toMatchObject({ ok: false, kind: 'malformed' });
      expect(cloudEventCodec.decode('orders.created', new Uint8Array([0xff, 0xfe, 0x7b]))).toMatchObject({ ok: false, kind: 'malformed' });
      expect(cloudEventCodec.decode('orders.created', new Uint8Array())).toMatchObject({ ok: false, kind: 'malformed' });
    });

    it('classifies JSON that is not a valid event as invalid, naming the paths', () => {
      const event = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'order-service' });
      const result = cloudEventCodec.decode('orders.created', bytes({ ...event, data: { ...event.data, items: [] } }));
      expect(result).toMatchObject({ ok: false, kind: 'invalid' });
      expect(!result.ok && result.reason).toContain('data.items');
      expect(cloudEventCodec.decode('orders.created', bytes([1, 2]))).toMatchObject({ ok: false, kind: 'invalid' });
      expect(cloudEventCodec.decode('orders.created', bytes('null'))).toMatchObject({ ok: false, kind: 'invalid' });
    });

    it('classifies an unknown type as unknown-type', () => {
      const event = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'order-service' });
      const result = cloudEventCodec.decode('orders.shipped', bytes({ ...event, type: 'orders.shipped' }));
      expect(result).toMatchObject({ ok: false, kind: 'unknown-type' });
      expect(!result.ok && result.reason).toContain('orders.shipped');
    });

    it('refuses a version newer than known as unsupported-version, with a clear reason', () => {
      const event = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'order-service' });
      const result = cloudEventCodec.decode('orders.created', bytes({ ...event, dataversion: '3' }));
      expect(result).toEqual({
        ok: false,
        kind: 'unsupported-version',
        reason: expect.stringContaining('orders.created dataversion 3 is newer than the newest version this consumer knows (2)'),
      });
      const confirmed = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: 'order-service' });
      expect(cloudEventCodec.decode('orders.confirmed', bytes({ ...confirmed, dataversion: '2' }))).toMatchObject({
        ok: false,
        kind: 'unsupported-version',
      });
    });

    it('refuses an event whose type differs from the subject it arrived on', () => {
      const event = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: 'order-service' });
      const result = cloudEventCodec.decode('orders.cancelled', cloudEventCodec.encode(event).data);
      expect(result).toMatchObject({ ok: false, kind: 'invalid' });
      expect(!result.ok && result.reason).toMatch(/orders\.confirmed.*orders\.cancelled/);
    });

    it('never lets __proto__ keys through', () => {
      const event = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: 'order-service' });
      const json = JSON.stringify(event).replace('"data":{', '"data":{"__proto__":{"polluted":true},');
      const result = cloudEventCodec.decode('orders.confirmed', bytes(json));
      expect(result).toEqual({ ok: true, value: event });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('tolerant reader', () => {
    it('drops unknown data fields and extension attributes a newer producer added', () => {
      const event = createEvent(Subjects.PaymentCompleted, validData['payments.completed'], { source: 'payment-service' });
      const newer = { ...event, ...NEWER_PRODUCER.attributes, data: { ...event.data, ...NEWER_PRODUCER.data } };
      expect(cloudEventCodec.decode('payments.completed', bytes(newer))).toEqual({ ok: true, value: event });
    });
  });

  describe('orders.created version 1 upcasting', () => {
    it('upcasts decimal prices to integer minor units, drops unknown fields and validates the result', () => {
      const v1 = v1OrderCreated(V1_LINES.decimalPrices);
      const result = cloudEventCodec.decode('orders.created', bytes(v1));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.dataversion).toBe('2');
      expect(result.value.data).toEqual({
        orderId: ORDER_ID,
        customerId: 'customer-42',
        currency: 'EUR',
        items: [
          { sku: 'SKU-001', quantity: 3, unitPrice: 1999 },
          { sku: 'SKU-002', quantity: 1, unitPrice: 10 },
          { sku: 'SKU-003', quantity: 2, unitPrice: 1250 },
        ],
        totalAmount: 3 * 1999 + 10 + 2 * 1250,
      });
      expect(result.value.id).toBe(v1.id);
    });

    it('scales by the currency exponent (JPY has no minor unit, KWD has three)', () => {
      const jpy = cloudEventCodec.decode('orders.created', bytes(v1OrderCreated(V1_LINES.yen, { currency: 'JPY' })));
      expect(jpy.ok && jpy.value.data).toMatchObject({ items: [{ unitPrice: 1500 }], totalAmount: 3000 });
      const kwd = cloudEventCodec.decode('orders.created', bytes(v1OrderCreated(V1_LINES.dinar, { currency: 'KWD' })));
      expect(kwd.ok && kwd.value.data).toMatchObject({ items: [{ unitPrice: 1234 }], totalAmount: 1234 });
    });

    it('reports a broken version 1 payload by its version 1 paths', () => {
      const result = cloudEventCodec.decode('orders.created', bytes(v1OrderCreated(V1_LINES.stringPrice)));
      expect(result).toMatchObject({ ok: false, kind: 'invalid' });
      expect(!result.ok && result.reason).toContain('data.items[0].price');
      const negative = cloudEventCodec.decode('orders.created', bytes(v1OrderCreated(V1_LINES.negativeQuantity)));
      expect(!negative.ok && negative.reason).toContain('data.items[0].quantity');
      const empty = cloudEventCodec.decode('orders.created', bytes(v1OrderCreated(V1_LINES.none)));
      expect(empty).toMatchObject({ ok: false, kind: 'invalid' });
    });

    it('is not accepted from publishers: they must emit version 2', () => {
      expect(() => cloudEventCodec.encode(v1OrderCreated([{ sku: 'A', quantity: 1, price: 1 }]) as never)).toThrow(/dataversion/);
    });

    it('leaves input it cannot read untouched for validation to report', () => {
      expect(upcastOrderCreatedV1(null)).toBeNull();
      expect(upcastOrderCreatedV1({ items: 'x' })).toEqual({ items: 'x' });
    });

    it('converts every two-decimal price exactly', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 100_000_000 }), (cents) => toMinorUnits(cents / 100, 'EUR') === cents),
        { numRuns: 2000 },
      );
    });
  });
});
