/** A valid order, which each case below breaks in one way. */
const valid = { customerId: 'c-1', currency: 'EUR', items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 100 }] };

/**
 * Request bodies the order API must refuse with a 4xx problem document: name, body, extra headers, status.
 * Every row has all four values: jest-each would pass a `done` callback for a missing trailing one.
 */
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
  ['huge string', { ...valid, customerId: 'x'.repeat(60_000) }, undefined, 400],
  ['body over 64 KiB', { ...valid, customerId: 'x'.repeat(70_000) }, undefined, 413],
  ['not JSON media type', 'customerId=c-1', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
  ['text/plain', JSON.stringify(valid), { 'content-type': 'text/plain' }, 415],
  ['an item that is an array', { ...valid, items: [[]] }, undefined, 400],
  ['NUL in customerId', { ...valid, customerId: 'c\u0000-1' }, undefined, 400],
  ['unpaired surrogate in customerId', '{"customerId":"c\\ud800","currency":"EUR","items":[{"sku":"SKU-001","quantity":1,"unitPrice":100}]}', undefined, 400],
];
