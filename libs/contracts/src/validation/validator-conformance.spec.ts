import { createCloudEventCodec, type DecodeResult } from '../codec/cloud-event.codec';
import { EventCatalog } from '../events/event-catalog';
import { cloudEventCodec, createEvent, type Subject } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { dataOf, eventOf, v1OrderCreated, validData } from '../testing/event-fixtures';
import {
  BAD_AMOUNTS,
  BAD_ATTRIBUTES,
  BAD_CURRENCIES,
  BAD_ENUM_VALUES,
  BAD_QUANTITIES,
  BAD_SKUS,
  badItemLists,
  BROKEN_ATTRIBUTES,
  BROKEN_DATA,
  CONSUMER_UPCASTERS,
  FLOAT_MONEY,
  GOOD_ATTRIBUTES,
  ITEM_LIST_TYPES,
  manyFailures,
  NEWER_PRODUCER,
  notObjectData,
  PUBLISHER_MISTAKES,
  UNKNOWN_ATTRIBUTES,
  V1_LINES,
  withUnknownFields,
} from '../testing/refusal-cases';
import { expectAgreement, MODES } from '../testing/validator-agreement';
import { validateEvent } from './validate-event';
import type { ValidationMode } from './validation-flow';

/**
 * The codec and createEvent validate with `validateEventFast` (Ajv, compiled from the DTOs' generated JSON Schema);
 * `validateEvent` (class-validator over the same DTOs) is the reference. Here every fixture and every refusal of the
 * contracts tests goes through both, in both modes: same accepted event, or same error kind and failing paths.
 * validator-conformance-edges.spec.ts covers formats, lengths, the known differences and mutated events.
 */

type Data = Record<string, unknown>;
type Case = [name: string, input: unknown];

const lines = (data: Data) => data.items as Data[];
/** An event of `type` whose fixture data was changed by `mutate`. */
function broken(type: Subject, mutate: (data: Data) => void): Record<string, unknown> {
  const data = dataOf(type);
  mutate(data);
  return eventOf(type, data);
}

/** The field rules' refusals (validate-event.spec.ts, schema-conformance.spec.ts), each as a whole event. */
function fieldCases(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, type: Subject, mutate: (data: Data) => void) => cases.push([name, broken(type, mutate)]);
  for (const type of ALL_SUBJECTS) {
    for (const field of Object.keys(validData[type])) {
      add(`${type} without ${field}`, type, (d) => delete d[field]);
      add(`${type} with ${field} = true`, type, (d) => (d[field] = true));
    }
    add(`${type} with a bad orderId`, type, (d) => (d.orderId = 'order-1'));
    for (const data of notObjectData(type)) cases.push([`${type} with data ${JSON.stringify(data)}`, eventOf(type, data)]);
  }
  for (const [type, mutate] of FLOAT_MONEY) add(`${type} with float money`, type, mutate);
  for (const q of BAD_QUANTITIES) add(`quantity ${String(q)}`, 'inventory.reserved', (d) => (lines(d)[0].quantity = q));
  for (const amount of BAD_AMOUNTS) add(`amount ${String(amount)}`, 'payments.completed', (d) => (d.amount = amount));
  for (const type of ITEM_LIST_TYPES) {
    for (const [items] of badItemLists(type)) add(`${type} items ${JSON.stringify(items).slice(0, 20)}`, type, (d) => (d.items = items));
  }
  for (const sku of BAD_SKUS) add(`sku ${JSON.stringify(sku).slice(0, 20)}`, 'orders.created', (d) => (lines(d)[0].sku = sku));
  for (const currency of [...BAD_CURRENCIES, 'JPY']) add(`currency ${String(currency)}`, 'orders.confirmed', (d) => (d.currency = currency));
  for (const [type, field, value] of BAD_ENUM_VALUES) add(`${type} ${field} ${value}`, type, (d) => (d[field] = value));
  for (const [name, type, mutate] of BROKEN_DATA) add(name, type, mutate);
  for (const [type, fields] of PUBLISHER_MISTAKES) add(`${type} with ${Object.keys(fields).join(', ')}`, type, (d) => Object.assign(d, fields));
  cases.push(['five failures at once', manyFailures()], ['unknown data fields', withUnknownFields()]);
  return cases;
}

/** The envelope's, the versions' and the codec's cases (validate-event.spec.ts, cloud-event.codec.spec.ts). */
function eventCases(): Case[] {
  const cases: Case[] = [];
  const confirmed = (name: string, overrides: Data) => cases.push([name, eventOf('orders.confirmed', undefined, overrides)]);
  for (const [attribute, value] of BAD_ATTRIBUTES) confirmed(`${attribute} = ${String(value)}`, { [attribute]: value });
  for (const [attribute, value] of BROKEN_ATTRIBUTES) {
    cases.push([`orders.created ${attribute} = ${String(value)}`, eventOf('orders.created', undefined, { [attribute]: value })]);
  }
  confirmed('an offset time and a causation id', GOOD_ATTRIBUTES);
  confirmed('an unknown type', { type: 'orders.shipped' });
  confirmed('no type', { type: undefined });
  confirmed('unknown attributes', UNKNOWN_ATTRIBUTES);
  confirmed('an empty source', { source: '' });
  confirmed('orders.confirmed dataversion 2', { dataversion: '2' });
  for (const input of ['orders.created', null, [1, 2]]) cases.push([`the event ${JSON.stringify(input)}`, input]);
  const newer = { ...dataOf('payments.completed'), ...NEWER_PRODUCER.data };
  cases.push(['a newer producer', eventOf('payments.completed', newer, NEWER_PRODUCER.attributes)]);
  for (const dataversion of ['1', '3', '0']) {
    cases.push([`orders.created dataversion ${dataversion}`, eventOf('orders.created', undefined, { dataversion })]);
  }
  const currencies: Partial<Record<keyof typeof V1_LINES, string>> = { yen: 'JPY', dinar: 'KWD' };
  for (const [name, items] of Object.entries(V1_LINES)) {
    cases.push([`version 1 lines: ${name}`, v1OrderCreated(items, { currency: currencies[name as keyof typeof V1_LINES] ?? 'EUR' })]);
  }
  // Own keys as JSON.parse makes them (the codec's reviver drops them before validation).
  const forbidden = JSON.stringify(eventOf('orders.confirmed')).replace('"data":{', '"__proto__":{"x":1},"data":{"prototype":{"x":1},');
  cases.push(['own __proto__ and prototype keys', JSON.parse(forbidden)]);
  return cases;
}

/** Every input the contracts tests refuse, or accept at a boundary, as an event to give both validators. */
const refusalCases = (): Case[] => [...fieldCases(), ...eventCases()];

describe('validateEventFast agrees with validateEvent (class-validator)', () => {
  describe.each(MODES.map((mode) => [mode]))('%s mode', (mode: ValidationMode) => {
    it.each(ALL_SUBJECTS.map((s) => [s]))('accepts every valid %s fixture, catalog example and created event alike', (type) => {
      const created = createEvent(type, validData[type] as never, { source: 'test-service', causationId: 'cause-1' });
      for (const event of [eventOf(type), eventOf(type, EventCatalog[type].example), created]) {
        const { fast } = expectAgreement(event, { mode });
        expect(fast.ok).toBe(true);
      }
    });

    it.each(refusalCases())('%s', (_name, input) => {
      expectAgreement(input, { mode });
    });
  });

  it("upcasts with a consumer's upcasters alike, and reports them failing alike", () => {
    for (const upcaster of Object.values(CONSUMER_UPCASTERS)) {
      const upcasters = { 'orders.created': { '1': upcaster } };
      expectAgreement(v1OrderCreated(V1_LINES.decimalPrices), { mode: 'tolerant', upcasters });
    }
  });
});

describe('the codec decides alike with either validator', () => {
  const reference = createCloudEventCodec({ validator: validateEvent });
  const text = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
  const outcome = (result: DecodeResult) => (result.ok ? result : { ok: false, kind: result.kind });
  const confirmed = JSON.stringify(eventOf('orders.confirmed'));

  it.each<[string, string, Uint8Array]>([
    ['bytes that are not JSON', 'orders.created', text('{"specversion":')],
    ['bytes that are not UTF-8', 'orders.created', new Uint8Array([0xff, 0xfe, 0x7b])],
    ['a JSON array', 'orders.created', text([1, 2])],
    ['JSON null', 'orders.created', text('null')],
    ['an unknown type', 'orders.shipped', text(eventOf('orders.created', undefined, { type: 'orders.shipped' }))],
    ['a newer version', 'orders.created', text(eventOf('orders.created', undefined, { dataversion: '3' }))],
    ['a type other than the subject', 'orders.cancelled', text(confirmed)],
    ['__proto__ in data', 'orders.confirmed', text(confirmed.replace('"data":{', '"data":{"__proto__":{"polluted":true},'))],
    ['an escaped __proto__', 'orders.confirmed', text(confirmed.replace('"data":{', '"data":{"\\u005f_proto__":{"polluted":true},'))],
    ['constructor in an unknown field', 'orders.confirmed', text(confirmed.replace('"data":{', '"data":{"card":{"constructor":{"x":1}},'))],
    ['version 1 with decimal prices', 'orders.created', text(v1OrderCreated(V1_LINES.decimalPrices))],
    ['version 1 with a string price', 'orders.created', text(v1OrderCreated(V1_LINES.stringPrice))],
  ])('%s', (_name, subject, bytes) => {
    const fast = cloudEventCodec.decode(subject, bytes);
    expect(outcome(fast)).toStrictEqual(outcome(reference.decode(subject, bytes)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses to encode the same events, naming the same paths, and leaves them as they were', () => {
    const paths = (encode: () => unknown) => {
      try {
        encode();
        return [];
      } catch (error) {
        return (error as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();
      }
    };
    for (const [, input] of refusalCases()) {
      const before = structuredClone(input);
      expect(paths(() => cloudEventCodec.encode(input as never))).toEqual(paths(() => reference.encode(input as never)));
      expect(input).toStrictEqual(before);
    }
  });

  it.each(ALL_SUBJECTS.map((s) => [s]))('encodes a %s event to the same bytes', (type) => {
    const event = createEvent(type, validData[type] as never, { source: 'test-service', causationId: 'cause-1' });
    expect(cloudEventCodec.encode(event)).toStrictEqual(reference.encode(event));
  });
});
