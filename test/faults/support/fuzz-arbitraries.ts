/**
 * What the HTTP fuzz test sends: valid orders (a third or more of the requests), the same orders with a few fields
 * broken, arbitrary bodies and media types, replays of earlier requests, ids and list queries. The generators know
 * nothing of the expected answers; order-api-model.ts and order-query-model.ts decide those.
 */
import fc from 'fast-check';

/** SKUs seeded by the fuzz system's inventory; the others have a valid form and do not exist. */
export const SEEDED_SKUS = Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);
const UNKNOWN_SKUS = ['SKU-999', 'sku-1', 'X.y_z-9'];

// Building blocks: mostly plausible values with hostile ones mixed in.
export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '__proto__', 'constructor', '<script>', "'; drop table orders;--", '\u0000', '\uD800', 'SKU-001', 'EUR', 'x'.repeat(300)),
);
const hostileNumber = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 63)),
);
export const anyValue = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));

const line = fc.record({
  sku: fc.oneof({ arbitrary: fc.constantFrom(...SEEDED_SKUS), weight: 9 }, { arbitrary: fc.constantFrom(...UNKNOWN_SKUS), weight: 1 }),
  // Small quantities, or more than the seeded stock of 500 (certainly out of stock).
  quantity: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 9 }, { arbitrary: fc.integer({ min: 501, max: 1000 }), weight: 1 }),
  // Most totals under the gateway's limit of 500000, some far above it (declined).
  unitPrice: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 5000 }), weight: 8 },
    { arbitrary: fc.integer({ min: 200_000, max: 100_000_000 }), weight: 2 },
  ),
});

/** An order the API must accept. */
export const validOrder = fc.record({
  customerId: fc.oneof(
    fc.constant('fuzz-customer'),
    fc.stringMatching(/^[A-Za-z0-9._@-]{1,40}$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  ),
  currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF', 'XXX'),
  items: fc.array(line, { minLength: 1, maxLength: 5 }),
});

type Plain = Record<string, unknown>;
type Mutation = (order: Plain) => void;

/** The line a line mutation works on: the i-th (modulo) when items is still an array of objects. */
function lineAt(order: Plain, i: number): Plain | undefined {
  const items = order.items;
  if (!Array.isArray(items) || !items.length) return undefined;
  const target: unknown = items[i % items.length];
  return target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as Plain) : undefined;
}

/** One way of breaking an order; which field it breaks is for the model to find out. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom('customerId', 'currency', 'items'), anyValue).map(
    ([key, value]): Mutation =>
      (o) =>
        void (o[key] = value),
  ),
  fc.constantFrom('customerId', 'currency', 'items').map(
    (key): Mutation =>
      (o) =>
        void delete o[key],
  ),
  fc.tuple(fc.constantFrom('extra', 'admin', 'discount', '0', '', 'a.b'), anyValue).map(
    ([key, value]): Mutation =>
      (o) =>
        void (o[key] = value),
  ),
  fc.tuple(fc.nat(), fc.constantFrom('sku', 'quantity', 'unitPrice'), anyValue).map(([i, key, value]): Mutation => (o) => {
    const target = lineAt(o, i);
    if (target) target[key] = value;
  }),
  fc.tuple(fc.nat(), fc.constantFrom('sku', 'quantity', 'unitPrice', 'discount', '1')).map(([i, key]): Mutation => (o) => {
    const target = lineAt(o, i);
    if (target && key in target) delete target[key];
    else if (target) target[key] = 5;
  }),
  fc.array(anyValue, { maxLength: 3 }).map(
    (values): Mutation =>
      (o) =>
        void (o.items = values),
  ),
  fc.constant<Mutation>((o) => void (o.items = Array.from({ length: 101 }, () => ({ sku: 'SKU-001', quantity: 1, unitPrice: 1 })))),
);

const jsonType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON; charset=UTF-8');
const anyType = fc.oneof(
  jsonType,
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/problem+json',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    '',
  ),
  fc.string({ maxLength: 30 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
);
const key = fc.option(fc.uuid(), { nil: undefined });

/** A POST as the fuzz test sends it; `replay` re-sends an earlier keyed request (`order`: under another order). */
export type PostRequest =
  | { kind: 'valid' | 'broken' | 'arbitrary'; body: string; contentType: string | undefined; key: string | undefined }
  | { kind: 'replay'; pick: number; order?: unknown };

const arbitraryBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  validOrder.map((b) => JSON.stringify(b).slice(0, -1)), // truncated JSON
  fc.constantFrom(
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '[]',
    'null',
    '1e999',
    `{"items":[${'['.repeat(5000)}]`,
    `{"customerId":"${'x'.repeat(70_000)}"}`,
  ),
);

export const postRequest: fc.Arbitrary<PostRequest> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('valid' as const), body: validOrder.map((o) => JSON.stringify(o)), contentType: jsonType, key }),
    weight: 45,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('broken' as const),
      body: fc.tuple(validOrder, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([order, mutations]) => {
        const plain = JSON.parse(JSON.stringify(order)) as Plain;
        for (const mutate of mutations) mutate(plain);
        return JSON.stringify(plain);
      }),
      contentType: jsonType,
      key,
    }),
    weight: 22,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('arbitrary' as const), body: arbitraryBody, contentType: fc.option(anyType, { nil: undefined }), key }),
    weight: 25,
  },
  { arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat(), order: fc.option(validOrder, { nil: undefined }) }), weight: 8 },
);

/** Ids for `GET /orders/:id`; `pick` takes an order the run created. */
export const idRequest = fc.oneof(
  { arbitrary: fc.record({ pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ id: fc.uuid() }), weight: 2 },
  {
    arbitrary: fc.record({
      id: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.stringMatching(/^[a-z]{101,300}$/),
        fc.constantFrom(
          '..',
          '.',
          '%00',
          '%2e%2e%2f',
          'a'.repeat(5000),
          '00000000-0000-0000-0000-000000000000',
          'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
        ),
      ),
    }),
    weight: 4,
  },
);

/** Query strings for `GET /orders?…`, valid ones among them. */
export const listQuery = fc
  .tuple(
    fc.record(
      {
        customerId: fc.oneof(hostileString, fc.constant('fuzz-customer'), fc.constant('')),
        limit: fc.oneof(fc.integer({ min: -5, max: 150 }).map(String), hostileString, fc.constantFrom(' 5 ', '1e1', '0x10', '-0', 'Infinity')),
        cursor: fc.oneof(
          hostileString,
          fc.base64String({ maxLength: 80 }),
          fc.string({ maxLength: 80 }).map((s) => Buffer.from(s).toString('base64url')),
        ),
        status: fc.oneof(fc.constantFrom('PENDING', 'CONFIRMED', 'CANCELLED'), hostileString),
        extra: hostileString,
      },
      { requiredKeys: [] },
    ),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'status', 'customerId', 'cursor', 'valueOf', '__proto__'), hostileString), hostileString), {
      maxLength: 2,
    }),
  )
  .map(([query, repeats]) => {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string]));
    for (const [k, v] of repeats) params.append(k, v);
    return params.toString();
  });
