import { createEvent, type EventEnvelope, Subjects } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { dataOf, eventOf, ORDER_ID, validData } from '../testing/event-fixtures';
import {
  BAD_AMOUNTS,
  BAD_ATTRIBUTES,
  BAD_CURRENCIES,
  BAD_ENUM_VALUES,
  BAD_QUANTITIES,
  BAD_SKUS,
  badItemLists,
  FLOAT_MONEY,
  GOOD_ATTRIBUTES,
  ITEM_LIST_TYPES,
  manyFailures,
  notObjectData,
  PUBLISHER_MISTAKES,
  UNKNOWN_ATTRIBUTES,
  withUnknownFields,
} from '../testing/refusal-cases';
import { EventValidationError } from './event-validation.error';
import { validateEvent } from './validate-event';

const SOURCE = 'order-service';

/** The failing paths of an event, or [] when it is valid. */
function failingPaths(input: unknown, mode: 'strict' | 'tolerant' = 'strict'): string[] {
  const result = validateEvent(input, { mode });
  return result.ok ? [] : result.error.errors.map((e) => e.path);
}

describe('validateEvent', () => {
  describe.each(ALL_SUBJECTS.map((subject) => [subject]))('%s', (type) => {
    it('accepts a valid event in strict and tolerant mode', () => {
      const strict = validateEvent(eventOf(type), { mode: 'strict' });
      const tolerant = validateEvent(eventOf(type), { mode: 'tolerant' });
      expect(strict).toEqual({ ok: true, event: eventOf(type) });
      expect(tolerant).toEqual({ ok: true, event: eventOf(type) });
    });

    it('returns plain data objects, not DTO instances', () => {
      const result = validateEvent(eventOf(type));
      if (!result.ok) throw result.error;
      expect((result.event.data as object).constructor.name).toBe('Object');
    });

    it.each(Object.keys(validData[type]).map((field) => [field]))('reports a missing or mistyped data.%s by path', (field) => {
      const missing = dataOf(type);
      delete missing[field];
      expect(failingPaths(eventOf(type, missing))).toContain(`data.${field}`);

      const mistyped = dataOf(type);
      mistyped[field] = true;
      expect(failingPaths(eventOf(type, mistyped))).toContain(`data.${field}`);
    });

    it('refuses a bad orderId', () => {
      expect(failingPaths(eventOf(type, { ...dataOf(type), orderId: 'order-1' }))).toEqual(['data.orderId']);
    });

    it('refuses data that is not an object', () => {
      for (const data of notObjectData(type)) expect(failingPaths(eventOf(type, data))).toContain('data');
    });
  });

  describe('money, quantities and items', () => {
    it('refuses floats for money', () => {
      for (const [type, mutate, paths] of FLOAT_MONEY) {
        const data = dataOf(type);
        mutate(data);
        expect(failingPaths(eventOf(type, data))).toEqual(paths);
      }
    });

    it('refuses negative, zero, fractional and numeric-string quantities without coercing', () => {
      for (const quantity of BAD_QUANTITIES) {
        const data = dataOf('inventory.reserved');
        (data.items as Array<Record<string, unknown>>)[0].quantity = quantity;
        expect(failingPaths(eventOf('inventory.reserved', data))).toEqual(['data.items[0].quantity']);
      }
    });

    it('refuses negative amounts and amounts beyond the safe integer range', () => {
      for (const amount of BAD_AMOUNTS) {
        expect(failingPaths(eventOf('payments.completed', { ...dataOf('payments.completed'), amount }))).toEqual(['data.amount']);
      }
    });

    it('refuses empty item lists, more than 100 items, and items that are not objects', () => {
      for (const type of ITEM_LIST_TYPES) {
        for (const [items, path] of badItemLists(type)) expect(failingPaths(eventOf(type, { ...dataOf(type), items }))).toEqual([path]);
      }
    });

    it('refuses bad SKUs', () => {
      for (const sku of BAD_SKUS) {
        const data = dataOf('orders.created');
        (data.items as Array<Record<string, unknown>>)[0].sku = sku;
        expect(failingPaths(eventOf('orders.created', data))).toEqual(['data.items[0].sku']);
      }
    });

    it('refuses currencies that are not ISO 4217 codes', () => {
      for (const currency of BAD_CURRENCIES) {
        expect(failingPaths(eventOf('orders.confirmed', { ...dataOf('orders.confirmed'), currency }))).toEqual(['data.currency']);
      }
      expect(failingPaths(eventOf('orders.confirmed', { ...dataOf('orders.confirmed'), currency: 'JPY' }))).toEqual([]);
    });

    it('refuses reasons outside their enum', () => {
      for (const [type, field, value] of BAD_ENUM_VALUES) {
        expect(failingPaths(eventOf(type, { ...dataOf(type), [field]: value }))).toEqual([`data.${field}`]);
      }
    });

    it('lists every failing path at once, not only the first', () => {
      const result = validateEvent(manyFailures());
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toBeInstanceOf(EventValidationError);
      expect(result.error.kind).toBe('invalid');
      expect(result.error.errors.map((e) => e.path).sort()).toEqual(
        ['id', 'time', 'data.currency', 'data.items[0].quantity', 'data.items[1].unitPrice'].sort(),
      );
      expect(result.error.message).toContain('data.items[0].quantity');
    });
  });

  describe('envelope', () => {
    it.each(BAD_ATTRIBUTES)('refuses %s = %p', (attribute, value) => {
      expect(failingPaths(eventOf('orders.confirmed', undefined, { [attribute]: value }))).toContain(attribute);
    });

    it('accepts RFC 3339 times with offsets and a causation id', () => {
      expect(failingPaths(eventOf('orders.confirmed', undefined, GOOD_ATTRIBUTES))).toEqual([]);
    });

    it('refuses an event that is not an object', () => {
      expect(failingPaths('orders.created')).toEqual(['']);
      expect(failingPaths(null)).toEqual(['']);
    });

    it('classifies an unknown type as unknown-type with a clear reason', () => {
      const result = validateEvent(eventOf('orders.confirmed', undefined, { type: 'orders.shipped' }), { mode: 'tolerant' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.kind).toBe('unknown-type');
      expect(result.error.message).toContain('"orders.shipped"');
    });

    it('classifies a missing type as invalid', () => {
      const result = validateEvent(eventOf('orders.confirmed', undefined, { type: undefined }));
      expect(!result.ok && result.error.kind).toBe('invalid');
    });
  });

  describe('strict (publisher) and tolerant (consumer) modes', () => {
    it('refuses unknown data fields, nested too, in strict mode', () => {
      expect(failingPaths(withUnknownFields(), 'strict').sort()).toEqual(['data.coupon', 'data.items[0].colour']);
    });

    it('drops unknown data fields, nested too, in tolerant mode', () => {
      const result = validateEvent(withUnknownFields(), { mode: 'tolerant' });
      expect(result).toEqual({ ok: true, event: eventOf('orders.created') });
    });

    it('refuses unknown envelope attributes in strict mode and drops them in tolerant mode', () => {
      const withExtension = eventOf('orders.confirmed', undefined, UNKNOWN_ATTRIBUTES);
      expect(failingPaths(withExtension, 'strict').sort()).toEqual(['Bad_Name', 'traceparent']);
      expect(validateEvent(withExtension, { mode: 'tolerant' })).toEqual({ ok: true, event: eventOf('orders.confirmed') });
    });

    it('requires the current dataversion from publishers', () => {
      const result = validateEvent(eventOf('orders.created', undefined, { dataversion: '1' }), { mode: 'strict' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.errors).toContainEqual({
        path: 'dataversion',
        message: 'publishers must emit the current version 2 of orders.created, not 1',
      });
    });
  });
});

describe('createEvent', () => {
  it.each(ALL_SUBJECTS.map((s) => [s]))('creates a valid %s event with defaults', (type) => {
    const event = createEvent(type, validData[type] as never, { source: 'test-service' });
    expect(event).toMatchObject({
      specversion: '1.0',
      source: 'test-service',
      type,
      subject: ORDER_ID,
      datacontenttype: 'application/json',
      data: validData[type],
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.correlationid).toBe(event.id);
    expect(event).not.toHaveProperty('causationid');
    expect(new Date(event.time).toISOString()).toBe(event.time);
    expect(validateEvent(event)).toEqual({ ok: true, event });
  });

  it('carries correlation and causation ids, subject, id and time when given', () => {
    const event = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], {
      source: 'order-service',
      subject: 'custom-subject',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      id: 'event-1',
      time: new Date('2026-01-31T12:00:00Z'),
    });
    expect(event).toMatchObject({
      id: 'event-1',
      subject: 'custom-subject',
      correlationid: 'corr-1',
      causationid: 'cause-1',
      time: '2026-01-31T12:00:00.000Z',
    });
  });

  it('types data and type by subject', () => {
    const event: EventEnvelope<'orders.created'> = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: SOURCE });
    const total: number = event.data.totalAmount;
    const unitPrice: number = event.data.items[0].unitPrice;
    expect(total + unitPrice).toBe(3499 + 1250);
    // Narrowing a union envelope by `type` reaches the fields of that type (the reason of a cancellation): checked on
    // real events of both kinds, so the branch runs and the type-only field is really there.
    const outcome = (e: EventEnvelope<'orders.confirmed'> | EventEnvelope<'orders.cancelled'>) =>
      e.type === Subjects.OrderCancelled ? `cancelled: ${e.data.reason}` : `confirmed: ${e.data.totalAmount}`;
    const cancelled = createEvent(Subjects.OrderCancelled, validData['orders.cancelled'], { source: SOURCE });
    const confirmed = createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: SOURCE });
    expect(outcome(cancelled)).toBe(`cancelled: ${validData['orders.cancelled'].reason}`);
    expect(outcome(confirmed)).toBe(`confirmed: ${validData['orders.confirmed'].totalAmount}`);
    expect(typeof cancelled.data.reason).toBe('string');
  });

  it('throws EventValidationError with every failing path, publisher side', () => {
    const bad = { ...validData['payments.completed'], ...PUBLISHER_MISTAKES[0][1] };
    expect(() => createEvent(Subjects.PaymentCompleted, bad, { source: 'payment-service' })).toThrow(EventValidationError);
    try {
      createEvent(Subjects.PaymentCompleted, bad, { source: 'payment-service' });
    } catch (error) {
      expect((error as EventValidationError).errors.map((e) => e.path).sort()).toEqual(['data.amount', 'data.currency', 'data.extra']);
    }
  });

  it('refuses an empty source', () => {
    expect(() => createEvent(Subjects.OrderConfirmed, validData['orders.confirmed'], { source: '' })).toThrow(/source/);
  });
});
