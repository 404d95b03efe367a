/**
 * The order API's contract for `POST /orders`, restated as a model the fuzz test checks every answer against: the
 * status a request must get, for a 400 the exact set of fields it must name, for a valid order what it must create.
 * The rules are the API's documented ones (README "The orders API", CreateOrderDto); character-level details
 * (what counts as a character, which codes are ISO 4217) come from class-validator's predicates, the one place they
 * are defined. Where the framework behaves in a way of its own, the rule says so and why.
 */
import { isISO4217CurrencyCode, maxLength, minLength } from 'class-validator';

/** Largest body the API reads (HTTP_BODY_LIMIT_BYTES). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** What the server receives for a string body: fetch sends it as UTF-8 (an unpaired surrogate becomes U+FFFD). */
export function asReceived(body: string): string {
  return Buffer.from(body, 'utf8').toString('utf8');
}

/** Keys that never reach validation: class-transformer skips names of Object.prototype members (and `prototype`). */
const SKIPPED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** A valid order line, and the order as the API stores and echoes it. */
export interface Line {
  sku: string;
  quantity: number;
  unitPrice: number;
}
export interface ValidOrder {
  customerId: string;
  currency: string;
  items: Line[];
}

export type PostExpectation = { status: 201; order: ValidOrder } | { status: 400; fields?: string[] } | { status: 413 | 415 | 422 };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** No control characters and no unpaired surrogates (CreateOrderDto's PRINTABLE_TEXT). */
const printable = (v: string) => /^[^\p{Cc}\p{Cs}]*$/u.test(v);

/** A field path as the API names it: `customerId`, `items[0].sku`, `[0]` for an index key, `(body)` for the body. */
/** The API's field paths: names as they are, indexes in brackets, any other key quoted in brackets. */
function path(prefix: string, key: string): string {
  if (/^\d+$/.test(key)) return `${prefix}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix ? `${prefix}.${key}` : key;
}

function unknownKeys(value: Record<string, unknown>, known: string[], prefix: string): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k) && !SKIPPED_KEYS.has(k))
    .map((k) => path(prefix, k));
}

/** Failing fields of one order line (an object) under `prefix`. */
function lineFields(line: Record<string, unknown>, prefix: string): string[] {
  const fields = unknownKeys(line, ['sku', 'quantity', 'unitPrice'], prefix);
  const sku = line.sku;
  if (!(typeof sku === 'string' && minLength(sku, 1) && maxLength(sku, 64) && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sku)))
    fields.push(path(prefix, 'sku'));
  if (!isInt(line.quantity, 1, 1000)) fields.push(path(prefix, 'quantity'));
  if (!isInt(line.unitPrice, 0, 100_000_000)) fields.push(path(prefix, 'unitPrice'));
  return fields;
}

/** ValidateNested's walk: objects are lines, arrays nest (`items[0][0]`), anything else is named by its index. */
function nestedFields(value: unknown[], prefix: string): string[] {
  return value.flatMap((element, i) => {
    const at = `${prefix}[${i}]`;
    if (Array.isArray(element)) return nestedFields(element, at);
    if (isObject(element)) return lineFields(element, at);
    return [at];
  });
}

function itemsFields(items: unknown): string[] {
  if (Array.isArray(items)) {
    const own = items.length < 1 || items.length > 100 || items.some((i) => !isObject(i)) ? ['items'] : [];
    return [...own, ...nestedFields(items, 'items')];
  }
  // A single object is validated as one line (ValidateNested), besides failing IsArray.
  if (isObject(items)) return ['items', ...lineFields(items, 'items')];
  return ['items'];
}

/** Failing fields of a parsed JSON body; [] when it is a valid order. */
export function bodyFields(value: unknown): string[] {
  // Nest validates a body that is not an object as an empty one; an array as an object with index keys.
  const body: Record<string, unknown> = isObject(value) ? value : Array.isArray(value) ? Object.fromEntries(value.map((v, i) => [String(i), v])) : {};
  const fields = unknownKeys(body, ['customerId', 'currency', 'items'], '');
  const { customerId, currency } = body;
  if (!(typeof customerId === 'string' && minLength(customerId, 1) && maxLength(customerId, 128) && printable(customerId))) fields.push('customerId');
  // The API upper-cases the currency on receipt (eur is EUR).
  if (!(typeof currency === 'string' && isISO4217CurrencyCode(currency.toUpperCase()))) fields.push('currency');
  fields.push(...itemsFields(body.items));
  return [...new Set(fields)].sort();
}

/** What secure-json-parse (Fastify's JSON parser) refuses: an own `__proto__`, or a `constructor` with a `prototype`. */
function poisoned(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(poisoned);
  if (!isObject(value)) return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  const ctor = value.constructor;
  if (Object.prototype.hasOwnProperty.call(value, 'constructor') && isObject(ctor) && Object.prototype.hasOwnProperty.call(ctor, 'prototype'))
    return true;
  return Object.values(value).some(poisoned);
}

/**
 * The answer `POST /orders` owes a request, before idempotency is taken into account (see {@link IdempotencyModel}).
 * `contentType` is the header as sent (undefined: none, and fetch then sends text/plain for a string body).
 */
export function expectPost(body: string, contentType: string | undefined): PostExpectation {
  const media = (contentType ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (media !== 'application/json') return { status: 415 }; // the JSON-only hook, or Fastify for other +json types
  const text = asReceived(body);
  if (Buffer.byteLength(text, 'utf8') > BODY_LIMIT_BYTES) return { status: 413 };
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // the parser drops a byte order mark
  } catch {
    return { status: 400 }; // malformed or empty: refused by the parser, no field to name
  }
  if (poisoned(value)) return { status: 400 };
  const fields = bodyFields(value);
  if (fields.length) return { status: 400, fields };
  const order = value as ValidOrder;
  return {
    status: 201,
    order: {
      customerId: order.customerId,
      currency: order.currency.toUpperCase(),
      items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity: quantity + 0, unitPrice: unitPrice + 0 })),
    },
  };
}

/**
 * The Idempotency-Key rules: a key is 1 to 200 printable ASCII characters; the same key with the same order returns
 * the first order, with another order 422. A refused request never claims its key.
 */
export class IdempotencyModel {
  private readonly keys = new Map<string, { canonical: string; id?: string }>();

  expect(expectation: PostExpectation, key: string | undefined): PostExpectation & { replayOf?: string } {
    if (expectation.status !== 201 || key === undefined) return expectation;
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) return { status: 400, fields: ['Idempotency-Key'] };
    const known = this.keys.get(key);
    if (!known) return expectation;
    if (known.canonical !== canonical(expectation.order)) return { status: 422 };
    return { ...expectation, replayOf: known.id };
  }

  /** Records the order a 201 created under `key`. */
  created(key: string | undefined, order: ValidOrder, id: string): void {
    if (key !== undefined && !this.keys.has(key)) this.keys.set(key, { canonical: canonical(order), id });
  }
}

function canonical(order: ValidOrder): string {
  return JSON.stringify([order.customerId, order.currency, order.items.map((l) => [l.sku, l.quantity, l.unitPrice])]);
}
