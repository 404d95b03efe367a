/**
 * Request bodies a client may send to `POST /orders` that must get a 4xx problem document (never a 5xx), shared by
 * the end-to-end test (over HTTP) and the test that runs them through the validation pipe and the event contract.
 * Each row: name, body (a raw string is sent as is), extra headers, expected status.
 * Every row has all four values: jest-each would pass a `done` callback for a missing trailing one.
 */
export const VALID_ORDER_BODY = { customerId: 'c-1', currency: 'EUR', items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 100 }] };

const valid = VALID_ORDER_BODY;

export const HOSTILE_BODIES: [string, string | object, Record<string, string> | undefined, number][] = [
  ['malformed JSON', '{"customerId": "c-1",', undefined, 400],
  ['empty body', '', undefined, 400],
  ['null', 'null', undefined, 400],
  ['an array', '[1,2,3]', undefined, 400],
  ['a string', '"order"', undefined, 400],
  ['wrong types', { customerId: 42, currency: 'EUR', items: 'many' }, undefined, 400],
  ['quantity as a string', { ...valid, items: [{ sku: 'SKU-001', quantity: '1', unitPrice: 100 }] }, undefined, 400],
  ['negative quantity', { ...valid, items: [{ sku: 'SKU-001', quantity: -1, unitPrice: 100 }] }, undefined, 400],
  ['fractional quantity', { ...valid, items: [{ sku: 'SKU-001', quantity: 1.5, unitPrice: 100 }] }, undefined, 400],
  ['fractional price', { ...valid, items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 9.99 }] }, undefined, 400],
  ['no items', { ...valid, items: [] }, undefined, 400],
  ['101 items', { ...valid, items: Array.from({ length: 101 }, () => valid.items[0]) }, undefined, 400],
  ['unknown field', { ...valid, admin: true }, undefined, 400],
  ['unknown item field', { ...valid, items: [{ ...valid.items[0], discount: 50 }] }, undefined, 400],
  ['__proto__ key', '{"customerId":"c-1","currency":"EUR","items":[],"__proto__":{"admin":true}}', undefined, 400],
  ['constructor.prototype', { ...valid, constructor: { prototype: { admin: true } } }, undefined, 400],
  ['bad currency', { ...valid, currency: 'EURO' }, undefined, 400],
  ['unknown currency', { ...valid, currency: 'XYZ' }, undefined, 400],
  ['an item that is an array', { ...valid, items: [[]] }, undefined, 400],
  ['NUL in customerId', { ...valid, customerId: 'c\u0000-1' }, undefined, 400],
  [
    'unpaired surrogate in customerId',
    '{"customerId":"c\\ud800","currency":"EUR","items":[{"sku":"SKU-001","quantity":1,"unitPrice":100}]}',
    undefined,
    400,
  ],
  ['huge string', { ...valid, customerId: 'x'.repeat(60_000) }, undefined, 400],
  ['body over 64 KiB', { ...valid, customerId: 'x'.repeat(70_000) }, undefined, 413],
  ['not JSON media type', 'customerId=c-1', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
  ['text/plain', JSON.stringify(valid), { 'content-type': 'text/plain' }, 415],
];

/** Bodies that differ from a canonical one only in ways the API normalises: all must be accepted (201). */
export const NORMALISED_BODIES: [string, object][] = [
  ['lower-case currency', { ...valid, currency: 'eur' }],
  ['mixed-case currency', { ...valid, currency: 'Eur' }],
  ['lower-case JPY', { ...valid, currency: 'jpy' }],
];
