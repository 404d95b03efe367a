import type { Upcaster } from '../events/event-catalog';
import type { Subject } from '../index';
import { dataOf, eventOf } from './event-fixtures';

/**
 * The inputs the contracts tests refuse (or accept at a boundary), in one place: validate-event.spec.ts,
 * schema-conformance.spec.ts, cloud-event.codec.spec.ts and interop.spec.ts assert what each one must give, and
 * validator-conformance.spec.ts that the compiled validator and class-validator give the same for every one.
 */

type Data = Record<string, unknown>;
/** Breaks one valid `data` fixture in place. */
export type Mutation = (data: Data) => void;

const lines = (data: Data) => data.items as Array<Record<string, unknown>>;

/** The event types whose `data` carries a list of lines. */
export const ITEM_LIST_TYPES = ['orders.created', 'inventory.reserved', 'inventory.rejected', 'inventory.released'] as const;

/** Floats for money, with the paths refused, in order. */
export const FLOAT_MONEY: Array<[Subject, Mutation, string[]]> = [
  [
    'orders.created',
    (d) => {
      lines(d)[1].unitPrice = 9.99;
      d.totalAmount = 34.99;
    },
    ['data.items[1].unitPrice', 'data.totalAmount'],
  ],
  ['payments.completed', (d) => (d.amount = 34.99), ['data.amount']],
  ['payments.failed', (d) => (d.amount = 0.5), ['data.amount']],
  ['orders.confirmed', (d) => (d.totalAmount = 1.1), ['data.totalAmount']],
  ['inventory.reserved', (d) => (d.totalAmount = 1e-2), ['data.totalAmount']],
];

/** Refused as `items[0].quantity` of inventory.reserved: nothing is coerced. */
export const BAD_QUANTITIES: unknown[] = [-1, 0, 1.5, '2', Number.NaN, Number.POSITIVE_INFINITY];

/** Refused as `amount` of payments.completed. */
export const BAD_AMOUNTS: unknown[] = [-1, 2 ** 60, '3499'];

/** Refused as `items[0].sku` of orders.created. */
export const BAD_SKUS: unknown[] = ['', ' SKU', 'a'.repeat(65), 7];

/** Refused as `currency` of orders.confirmed (JPY is accepted). */
export const BAD_CURRENCIES: unknown[] = ['eur', 'EURO', 'ABC', '', 978];

/** Values outside their enum: [type, field, value]. */
export const BAD_ENUM_VALUES: Array<[Subject, string, string]> = [
  ['orders.cancelled', 'reason', 'out_of_stock'],
  ['inventory.rejected', 'reason', 'PAYMENT_DECLINED'],
  ['payments.failed', 'reason', 'TIMEOUT'],
  ['notifications.sent', 'channel', 'sms'],
];

/** `items` values refused as `data.items` itself, or `data.items[0]` for a list holding null. */
export function badItemLists(type: (typeof ITEM_LIST_TYPES)[number]): Array<[unknown, string]> {
  return [
    [[], 'data.items'],
    [Array.from({ length: 101 }, () => lines(dataOf(type))[0]), 'data.items'],
    [[null], 'data.items[0]'],
    ['SKU-001', 'data.items'],
  ];
}

/** `data` values that are not an object. */
export function notObjectData(type: Subject): unknown[] {
  return [null, 'text', [dataOf(type)], 42];
}

/** Envelope attribute values refused, each named by its attribute. */
export const BAD_ATTRIBUTES: Array<[string, unknown]> = [
  ['specversion', '0.3'],
  ['specversion', undefined],
  ['id', ''],
  ['id', 42],
  ['source', ''],
  ['subject', ''],
  ['time', 'yesterday'],
  ['time', '2026-13-01T00:00:00Z'],
  ['time', '2026-01-31'],
  ['time', 1769860800000],
  ['datacontenttype', 'text/plain'],
  ['dataversion', 2],
  ['dataversion', 'v1'],
  ['correlationid', ''],
  ['causationid', ''],
];

/** Accepted at the boundary: an offset time and a causation id. */
export const GOOD_ATTRIBUTES: Record<string, unknown> = { time: '2026-01-31T13:00:00+01:00', causationid: 'abc' };

/** An orders.created event failing in five places at once (two envelope attributes, three data fields). */
export function manyFailures(): Record<string, unknown> {
  const data = dataOf('orders.created');
  lines(data)[0].quantity = -2;
  lines(data)[1].unitPrice = 1.5;
  data.currency = 'XYZ';
  return eventOf('orders.created', data, { id: '', time: 'yesterday' });
}

/** Unknown fields a newer producer might add, top level and nested: refused strictly, dropped tolerantly. */
export function withUnknownFields(): Record<string, unknown> {
  const data = dataOf('orders.created');
  data.coupon = 'SPRING';
  lines(data)[0].colour = 'red';
  return eventOf('orders.created', data);
}

/** Extension attributes this library does not know: refused strictly, dropped tolerantly. */
export const UNKNOWN_ATTRIBUTES: Record<string, unknown> = { traceparent: '00-abc', Bad_Name: 1 };

/** Broken data that both validateEvent and the documented JSON Schema refuse. */
export const BROKEN_DATA: Array<[string, Subject, Mutation]> = [
  ['float unitPrice', 'orders.created', (d) => (lines(d)[0].unitPrice = 12.5)],
  ['negative unitPrice', 'orders.created', (d) => (lines(d)[0].unitPrice = -1)],
  ['float totalAmount', 'orders.created', (d) => (d.totalAmount = 34.99)],
  ['string totalAmount', 'orders.created', (d) => (d.totalAmount = '3499')],
  ['negative quantity', 'inventory.reserved', (d) => (lines(d)[0].quantity = -1)],
  ['zero quantity', 'inventory.released', (d) => (lines(d)[0].quantity = 0)],
  ['empty items', 'inventory.rejected', (d) => (d.items = [])],
  ['101 items', 'orders.created', (d) => (d.items = Array.from({ length: 101 }, () => lines(d)[0]))],
  ['missing items', 'orders.created', (d) => delete d.items],
  ['bad sku', 'orders.created', (d) => (lines(d)[0].sku = '-x')],
  ['lowercase currency', 'orders.confirmed', (d) => (d.currency = 'eur')],
  ['long currency', 'payments.completed', (d) => (d.currency = 'EURO')],
  ['bad orderId', 'payments.failed', (d) => (d.orderId = 'order-1')],
  ['missing customerId', 'orders.cancelled', (d) => delete d.customerId],
  ['empty message', 'orders.cancelled', (d) => (d.message = '')],
  ['unknown reason', 'payments.failed', (d) => (d.reason = 'TIMEOUT')],
  ['unknown channel', 'notifications.sent', (d) => (d.channel = 'sms')],
  ['bad template', 'notifications.sent', (d) => (d.template = 'Order Confirmed')],
  ['amount above safe integers', 'payments.completed', (d) => (d.amount = 2 ** 60)],
];

/** Envelope attributes of an orders.created event that both validateEvent and the JSON Schema refuse. */
export const BROKEN_ATTRIBUTES: Array<[string, unknown]> = [
  ['time', 'yesterday'],
  ['specversion', '0.3'],
  ['id', ''],
  ['dataversion', '7'],
  ['type', 'orders.confirmed'],
];

/** Data fields a publisher got wrong: [type, fields to merge into the fixture], refused with one path per field. */
export const PUBLISHER_MISTAKES: Array<[Subject, Data]> = [
  ['payments.completed', { amount: 12.5, currency: 'EURO', extra: true }],
  ['orders.confirmed', { totalAmount: 1.5, note: 'x' }],
];

/** What a newer payments.completed producer may add: dropped by tolerant readers, refused from publishers. */
export const NEWER_PRODUCER = { attributes: { partition: 'eu' }, data: { fee: 12, card: { brand: 'visa' } } };

/** orders.created version 1 lines: decoded (upcast) when valid, refused by their version 1 paths when broken. */
export const V1_LINES = {
  decimalPrices: [
    { sku: 'SKU-001', quantity: 3, price: 19.99, colour: 'red' },
    { sku: 'SKU-002', quantity: 1, price: 0.1 },
    { sku: 'SKU-003', quantity: 2, price: 12.5 },
  ],
  stringPrice: [{ sku: 'A', quantity: 1, price: 'free' }],
  negativeQuantity: [{ sku: 'A', quantity: -1, price: 1 }],
  none: [] as unknown[],
  /** In JPY (no minor unit) and KWD (three decimals). */
  yen: [{ sku: 'A', quantity: 2, price: 1500 }],
  dinar: [{ sku: 'A', quantity: 1, price: 1.234 }],
};

/** Upcasters a consumer registers for orders.created version 1 (interop.spec.ts). */
export const CONSUMER_UPCASTERS: Record<'replacing' | 'throwing' | 'returningNull', Upcaster> = {
  replacing: (data) => {
    const d = data as { items: Array<{ sku: string; quantity: number; price: number }> };
    return { ...d, items: d.items.map(({ sku, quantity }) => ({ sku, quantity, unitPrice: 1 })), totalAmount: 2 };
  },
  throwing: () => {
    throw new Error('boom');
  },
  returningNull: () => null,
};
