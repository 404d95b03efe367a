import fc from 'fast-check';

import { type RunningSystem, startSystem } from '../support/system';
import { FAULT_ENV, printSummary, recordRow, step } from './fault-support';

/**
 * Property-based fuzzing of the order API: generated bodies (valid, almost valid, arbitrary JSON, non-JSON), media
 * types, ids and query strings. Over 1,000 requests in all; no answer may be a 5xx, every error must be a problem
 * document, and the service must stay up.
 */
describe('fault: property-based HTTP fuzzing of the order API', () => {
  let system: RunningSystem;
  let api: string;
  const seen = new Map<number, number>();
  let requests = 0;
  let created = 0;
  const createdIds = new Set<string>();
  let finals = 0;
  const started = Date.now();
  const failures: string[] = [];

  beforeAll(async () => {
    system = await startSystem({ env: FAULT_ENV });
    api = system.url('order-service');
  }, 180_000);

  afterAll(async () => {
    step(`fuzz: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
    await system?.stop();
    recordRow({ scenario: `HTTP fuzzing (${requests} requests)`, orders: createdIds.size, final: finals, lost: createdIds.size - finals, duplicated: 0, dlq: 0, seconds: (Date.now() - started) / 1000, passed: failures.length === 0 && finals === createdIds.size });
    printSummary();
  }, 60_000);

  async function send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; text: string }> {
    requests++;
    const response = await fetch(`${api}${path}`, { method, body, headers, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
    if (response.status === 201) {
      created++;
      try {
        createdIds.add((JSON.parse(text) as { id: string }).id);
      } catch {
        /* checked by the property */
      }
    }
    const result = { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
    if (result.status >= 500) failures.push(`${method} ${path} ${body?.slice(0, 200) ?? ''} -> ${result.status} ${text.slice(0, 300)}`);
    return result;
  }

  const checkAnswer = (r: { status: number; contentType: string; text: string }) => {
    expect(r.status).toBeLessThan(500);
    if (r.status >= 400) {
      expect(r.contentType).toMatch(/application\/problem\+json/);
      expect(r.text).not.toMatch(/\n\s+at /); // no stack traces
    }
  };

  // Building blocks: mostly plausible values with hostile ones mixed in.
  const hostileString = fc.oneof(
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
  const anyValue = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const item = fc.record(
    {
      sku: fc.oneof(fc.constantFrom('SKU-001', 'SKU-002', 'SKU-NOPE'), hostileString, anyValue),
      quantity: fc.oneof(fc.integer({ min: 1, max: 3 }), hostileNumber, anyValue),
      unitPrice: fc.oneof(fc.integer({ min: 1, max: 5000 }), hostileNumber, anyValue),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  const orderBody = fc.record(
    {
      customerId: fc.oneof(fc.constant('fuzz-customer'), hostileString, anyValue),
      currency: fc.oneof(fc.constantFrom('EUR', 'USD', 'JPY', 'eur', 'XXX', 'EURO'), hostileString, anyValue),
      items: fc.oneof(fc.array(item, { maxLength: 4 }), fc.array(item, { minLength: 99, maxLength: 102 }), anyValue),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  const rawBody = fc.oneof(
    orderBody.map((b) => JSON.stringify(b)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    orderBody.map((b) => JSON.stringify(b).slice(0, -1)), // truncated JSON
    fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '[]', 'null', '1e999', '{"items":[' + '['.repeat(5000) + ']'),
  );
  const contentType = fc.oneof(
    fc.constant('application/json'),
    fc.constant('application/json; charset=utf-8'),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/problem+json', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''),
    fc.string({ maxLength: 30 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
  );

  it('POST /orders: 600 generated bodies and media types, no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, fc.option(fc.uuid(), { nil: undefined }), async (body, type, key) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (key) headers['idempotency-key'] = key;
        checkAnswer(await send('POST', '/orders', body, headers));
      }),
      { numRuns: 600, seed: Number(process.env.FUZZ_SEED ?? 20261127), endOnFailure: true },
    );
  }, 300_000);

  it('POST /orders: 200 well-formed orders with generated values answer 201 or 4xx', async () => {
    const plausible = fc.record({
      customerId: fc.string({ minLength: 1, maxLength: 64 }),
      currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF'),
      items: fc.array(
        fc.record({ sku: fc.constantFrom('SKU-001', 'SKU-002', 'SKU-003', 'SKU-999', 'sku-1', 'SKU 1'), quantity: fc.integer({ min: 0, max: 1000 }), unitPrice: fc.integer({ min: 0, max: 10_000_000 }) }),
        { minLength: 1, maxLength: 5 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(plausible, async (body) => checkAnswer(await send('POST', '/orders', JSON.stringify(body), { 'content-type': 'application/json' }))),
      { numRuns: 200, seed: Number(process.env.FUZZ_SEED ?? 20261127) },
    );
  }, 300_000);

  it('GET /orders/:id and GET /orders?...: 400 generated paths and queries, no 5xx', async () => {
    const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('..', '%00', '%2e%2e%2f', 'a'.repeat(5000), '00000000-0000-0000-0000-000000000000'));
    const query = fc.record(
      {
        customerId: fc.oneof(hostileString, fc.constant('fuzz-customer')),
        limit: fc.oneof(fc.integer({ min: -5, max: 500 }).map(String), hostileString),
        cursor: fc.oneof(hostileString, fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 80 }).map((s) => Buffer.from(s).toString('base64url'))),
        status: fc.oneof(fc.constantFrom('PENDING', 'CONFIRMED', 'CANCELLED'), hostileString),
        extra: hostileString,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(id, async (value) => checkAnswer(await send('GET', `/orders/${encodeURIComponent(value)}`))),
      { numRuns: 200, seed: Number(process.env.FUZZ_SEED ?? 20261127) },
    );
    await fc.assert(
      fc.asyncProperty(query, fc.array(fc.tuple(hostileString, hostileString), { maxLength: 3 }), async (q, repeats) => {
        const params = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)] as [string, string]));
        for (const [k, v] of repeats) params.append(k || 'limit', v);
        checkAnswer(await send('GET', `/orders?${params.toString()}`));
      }),
      { numRuns: 200, seed: Number(process.env.FUZZ_SEED ?? 20261127) },
    );
  }, 300_000);

  it('answered over 1,000 requests without a 5xx, is still up, and every accepted order reached a final state', async () => {
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(1000);
    expect((await fetch(`${api}/health/live`)).status).toBe(200);
    expect((await fetch(`${api}/health/ready`)).status).toBe(200);
    expect(system.services.get('order-service')!.process.exitCode).toBeNull();
    // the orders the fuzzer got accepted (valid bodies with generated values) still go through the saga
    const deadline = Date.now() + 90_000;
    const pending = new Set(createdIds);
    while (pending.size > 0 && Date.now() < deadline) {
      for (const id of [...pending]) {
        const response = await fetch(`${api}/orders/${id}`);
        const body = (await response.json()) as { status?: string };
        if (response.status === 200 && body.status !== 'PENDING') pending.delete(id);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    finals = createdIds.size - pending.size;
    expect([...pending]).toEqual([]);
  }, 120_000);
});
