import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

import { ENVELOPE_ATTRIBUTES } from '../envelope/event-envelope';
import { type Subject } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { dataOf, eventOf, ORDER_ID, validData } from '../testing/event-fixtures';
import { expectAgreement, MODES, outcome } from '../testing/validator-agreement';
import { validateEvent } from './validate-event';
import { validateEventFast } from './validate-event-fast';
import type { ValidationMode } from './validation-flow';

const UUIDS = [
  ORDER_ID,
  ORDER_ID.toUpperCase(),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '3f0c6a52-8f7e-0d2b-9c1a-5b7e2d9f4a10', // version 0
  '3f0c6a52-8f7e-9d2b-9c1a-5b7e2d9f4a10', // version 9
  '3f0c6a52-8f7e-4d2b-7c1a-5b7e2d9f4a10', // variant 0
  `urn:uuid:${ORDER_ID}`,
  ORDER_ID.replace(/-/g, ''),
  `{${ORDER_ID}}`,
];
const TIMES = [
  '2026-01-31T12:00:00.000Z',
  '2026-01-31t12:00:00z',
  '2026-01-31 12:00:00Z',
  '2026-01-31T13:00:00+01:00',
  '2026-01-31T13:00:00+0100',
  '2026-01-31T13:00:00+01',
  '2026-02-31T00:00:00Z',
  '2026-01-31T23:59:60Z',
  '2026-01-31T12:00:60Z',
  '2026-01-31T24:00:00Z',
  '2026-01-31T12:00:00',
  '2026-01-31T12:00:00.123456789Z',
  '2026-01-31T12:00:00Z\n',
];
/** validator.js counts neither half of a surrogate pair twice nor a variation selector after a character. */
const LENGTHS = ['\uFE0F', 'a\uFE0F', 'a\uFE0F'.repeat(256), 'a\uFE0F'.repeat(257), '😀'.repeat(256), '😀'.repeat(257), '😀\uFE0F'.repeat(256)];

describe('formats and lengths decide as class-validator does', () => {
  it.each(MODES.map((mode) => [mode]))('uuids, times and lengths, %s', (mode) => {
    for (const orderId of UUIDS) expectAgreement(eventOf('orders.confirmed', { ...dataOf('orders.confirmed'), orderId }), { mode });
    for (const time of TIMES) expectAgreement(eventOf('orders.confirmed', undefined, { time }), { mode });
    for (const source of LENGTHS) expectAgreement(eventOf('orders.confirmed', undefined, { source }), { mode });
  });

  it("would not with ajv-formats, which is why the formats are class-validator's own", () => {
    const ajv = new Ajv();
    addFormats(ajv);
    const uuid = ajv.compile({ type: 'string', format: 'uuid' });
    const time = ajv.compile({ type: 'string', format: 'date-time' });
    const idAccepted = (orderId: string) => validateEvent(eventOf('orders.confirmed', { ...dataOf('orders.confirmed'), orderId })).ok;
    const timeAccepted = (t: string) => validateEvent(eventOf('orders.confirmed', undefined, { time: t })).ok;
    expect(UUIDS.filter((id) => uuid(id) !== idAccepted(id))).toEqual(UUIDS.slice(4, 8));
    expect(TIMES.filter((t) => time(t) !== timeAccepted(t))).toEqual([
      '2026-01-31T13:00:00+0100',
      '2026-01-31T13:00:00+01',
      '2026-02-31T00:00:00Z',
      '2026-01-31T12:00:60Z',
    ]);
  });

  it('passes a null causationid through, as @IsOptional does', () => {
    const { fast } = expectAgreement(eventOf('orders.confirmed', undefined, { causationid: null }), { mode: 'strict' });
    expect(fast.ok && fast.event.causationid).toBeNull();
  });
});

describe('where the compiled validator is deliberately stricter than class-validator', () => {
  const line = validData['orders.created'].items[0];
  const paths = (result: ReturnType<typeof validateEvent>) => (outcome(result) as { paths?: string[] }).paths;
  const created = (items: unknown) => eventOf('orders.created', { ...dataOf('orders.created'), items });

  it.each(MODES.map((mode) => [mode]))('refuses a list of lists of lines, which class-validator accepts as is (%s)', (mode) => {
    expect(validateEvent(created([[line]]), { mode }).ok).toBe(true);
    expect(paths(validateEventFast(created([[line]]), { mode }))).toEqual(['data.items[0]']);
  });

  it('refuses an undefined line (no JSON carries one; class-validator lets it become null on the wire)', () => {
    expect(validateEvent(created([undefined])).ok).toBe(true);
    expect(paths(validateEventFast(created([undefined])))).toEqual(['data.items[0]']);
  });

  it('refuses own __proto__ and constructor data fields from publishers (class-transformer silently skips them)', () => {
    const data = JSON.parse(JSON.stringify(dataOf('orders.confirmed')).replace('{', '{"__proto__":{"x":1},"constructor":1,')) as unknown;
    expect(validateEvent(eventOf('orders.confirmed', data)).ok).toBe(true);
    expect(paths(validateEventFast(eventOf('orders.confirmed', data)))).toEqual(['data.__proto__', 'data.constructor']);
    expect(validateEventFast(eventOf('orders.confirmed', data), { mode: 'tolerant' }).ok).toBe(true);
  });

  it('drops an unknown field holding a constructor key, where class-transformer fails to read it', () => {
    const event = eventOf('orders.confirmed', { ...dataOf('orders.confirmed'), card: JSON.parse('{"constructor":{"x":1}}') as unknown });
    expect(paths(validateEvent(event, { mode: 'tolerant' }))).toEqual(['data']);
    expect(validateEventFast(event, { mode: 'tolerant' }).ok).toBe(true);
  });

  it('names the missing fields of a non-plain line, where class-validator reports data.items[0].undefined', () => {
    expect(paths(validateEvent(created([new Date(0)])))).toEqual(['data.items[0].undefined']);
    expect(paths(validateEventFast(created([new Date(0)])))).toEqual(['data.items[0].quantity', 'data.items[0].sku', 'data.items[0].unitPrice']);
  });
});

/** JSON-like values for any field: no arrays of arrays, no undefined elements (the differences above). */
const KEYS = ['sku', 'quantity', 'unitPrice', 'price', 'extra', '0', 'Bad Name'];
const SPECIALS = [...UUIDS, ...TIMES, ...LENGTHS, ...ALL_SUBJECTS, 'EUR', 'JPY', 'eur', 'ABC', 'OUT_OF_STOCK', 'DECLINED', 'email'];
const NUMBERS = [0, -0, 1, -1, 1.5, 100_000, 100_001, Number.MAX_SAFE_INTEGER, 2 ** 53];
const scalar = fc.oneof(
  fc.constantFrom<unknown>(...SPECIALS, '1', '2', '3', '1.0', '', ...NUMBERS, true, null),
  fc.string({ maxLength: 70, unit: fc.constantFrom('a', 'Z', '0', '-', '.', '_', ' ', '\uFE0F', '😀') }),
  fc.integer(),
  fc.double(),
);
const lineLike = fc.record({ sku: scalar, quantity: scalar, unitPrice: scalar, price: scalar }, { requiredKeys: [] });
const value = fc.oneof(
  scalar,
  fc.constant(undefined),
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...KEYS), scalar, { maxKeys: 3 }),
  lineLike,
  fc.array(lineLike, { maxLength: 3 }),
);
const DATA_KEYS = ['orderId', 'customerId', 'currency', 'items', 'totalAmount', 'amount', 'reason', 'channel', 'template'];

type Edit = { where: 'envelope' | 'data' | 'line'; key: string; value: unknown; remove: boolean };
const edit = fc.record({
  where: fc.constantFrom<Edit['where']>('envelope', 'data', 'line'),
  key: fc.constantFrom(...ENVELOPE_ATTRIBUTES, 'data', 'partition', ...KEYS, ...DATA_KEYS),
  value,
  remove: fc.boolean(),
});

function mutated(type: Subject, dataversion: string | null, edits: Edit[]): Record<string, unknown> {
  const event = eventOf(type, undefined, dataversion === null ? {} : { dataversion });
  for (const { where, key, value: v, remove } of edits) {
    const items = (event.data as { items?: unknown })?.items;
    const target = where === 'envelope' ? event : where === 'data' ? event.data : Array.isArray(items) ? items[0] : undefined;
    if (typeof target !== 'object' || target === null) continue;
    if (remove) delete (target as Record<string, unknown>)[key];
    else (target as Record<string, unknown>)[key] = v;
  }
  return event;
}

describe('mutated events (fast-check)', () => {
  it('are decided alike by both validators, in both modes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_SUBJECTS),
        fc.constantFrom<ValidationMode>(...MODES),
        fc.option(fc.constantFrom('1', '2', '3'), { freq: 3 }),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (type, mode, dataversion, edits) => {
          expectAgreement(mutated(type, dataversion, edits), { mode });
        },
      ),
      { numRuns: 1500 },
    );
  });
});
