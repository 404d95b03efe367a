/**
 * The order API's contract for its reads, `GET /orders/:id` and `GET /orders?…`, as a model the fuzz test checks every
 * answer against: the status, the fields a 400 must name, and what a 200 body must satisfy.
 */
import { maxLength } from 'class-validator';

/** ParseUUIDPipe's "any version" pattern (versions 1 to 8, RFC variant, plus the nil and max UUIDs). */
const UUID =
  /^(?:[0-9A-F]{8}-[0-9A-F]{4}-[1-8][0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}|00000000-0000-0000-0000-000000000000|FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF)$/i;
/** Fastify's router refuses a path parameter longer than this (maxParamLength) before any route runs. */
const MAX_PARAM_LENGTH = 100;
/** Query keys the query-string parser and class-transformer drop before validation (prototype member names). */
const DROPPED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
const STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED'];

export type ReadExpectation = { status: 200 | 404 | 414 | 422 } | { status: 400; fields?: string[] };

/** The path `GET /orders/<id>` reaches after URL normalisation (`..`, `.`), and what it must answer. */
export function expectGetById(id: string, exists: (id: string) => boolean): { path: string; expected: ReadExpectation } {
  const { pathname } = new URL(`http://api/orders/${encodeURIComponent(id)}`);
  if (!pathname.startsWith('/orders/') || pathname === '/orders/') return { path: pathname, expected: { status: 404 } };
  const param = decodeURIComponent(pathname.slice('/orders/'.length));
  if (param.length > MAX_PARAM_LENGTH) return { path: pathname, expected: { status: 414 } };
  if (!UUID.test(param)) return { path: pathname, expected: { status: 400 } };
  return { path: pathname, expected: { status: exists(param) ? 200 : 404 } };
}

/** `decodeCursor` of OrdersRepository: base64url of `<ISO time>|<uuid>`, the only cursors the API issues. */
function cursorIssued(cursor: string): boolean {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  return !!id && !Number.isNaN(new Date(time ?? '').getTime()) && /^[0-9a-f-]{36}$/i.test(id);
}

/** The filters a valid list request applies, to check its 200 body against. */
export interface ListFilter {
  customerId?: string;
  status?: string;
  limit: number;
}

/** What `GET /orders?<query>` must answer; `filter` is set when it must be a 200. */
export function expectList(query: string): { expected: ReadExpectation; filter?: ListFilter } {
  const values = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(query)) values.set(key, [...(values.get(key) ?? []), value]);
  const one = (key: string) => (values.get(key)?.length === 1 ? values.get(key)![0] : undefined);
  const fields: string[] = [];
  for (const key of values.keys()) {
    if (DROPPED_KEYS.has(key) || ['customerId', 'status', 'limit', 'cursor'].includes(key)) continue;
    // The API's field paths: names as they are, any other key quoted in brackets.
    fields.push(/^\d+$/.test(key) ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`);
  }
  const customerId = one('customerId');
  if (values.has('customerId') && !(customerId !== undefined && maxLength(customerId, 128) && /^[^\p{Cc}\p{Cs}]*$/u.test(customerId)))
    fields.push('customerId');
  const status = one('status');
  if (values.has('status') && !(status !== undefined && STATUSES.includes(status))) fields.push('status');
  const limit = one('limit') === undefined ? undefined : Number(one('limit')); // the one deliberate conversion
  if (values.has('limit') && !(limit !== undefined && Number.isInteger(limit) && limit >= 1 && limit <= 100)) fields.push('limit');
  const cursor = one('cursor');
  if (values.has('cursor') && !(cursor !== undefined && maxLength(cursor, 200))) fields.push('cursor');
  if (fields.length) return { expected: { status: 400, fields: [...new Set(fields)].sort() } };
  if (cursor && !cursorIssued(cursor)) return { expected: { status: 422 } };
  return { expected: { status: 200 }, filter: { customerId: customerId || undefined, status, limit: limit ?? 20 } };
}

/** What is wrong with a 200 list body for `filter`: too many items, items outside the filter, wrong order. */
export function listBodyFaults(
  body: { items?: { id: string; customerId: string; status: string; createdAt: string }[]; nextCursor?: string },
  filter: ListFilter,
): string[] {
  const items = body.items;
  if (!Array.isArray(items)) return ['no items array'];
  const faults: string[] = [];
  if (items.length > filter.limit) faults.push(`${items.length} items for limit ${filter.limit}`);
  if (body.nextCursor !== undefined && items.length !== filter.limit) faults.push(`a next cursor after a short page of ${items.length}`);
  if (filter.customerId !== undefined && items.some((o) => o.customerId !== filter.customerId))
    faults.push(`an item of another customer than ${filter.customerId}`);
  if (filter.status !== undefined && items.some((o) => o.status !== filter.status)) faults.push(`an item not ${filter.status}`);
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1], items[i]];
    if (a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id)) faults.push(`not newest first at ${i}`);
  }
  return faults;
}
