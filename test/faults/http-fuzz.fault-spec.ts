import { setTimeout as sleep } from 'node:timers/promises';

import fc from 'fast-check';

import type { Json } from '../support/json';
import { effectProblems, outsideEffects } from '../support/outside-effects';
import { problemDocumentFaults } from '../support/problem-documents';
import { type RunningSystem, startSystem } from '../support/system';
import { dlqCount, exitedServices, FAULT_ENV, printSummary, recordRow, step, testTracker } from './fault-support';
import { idRequest, listQuery, postRequest, SEEDED_SKUS } from './support/fuzz-arbitraries';
import { expectPost, IdempotencyModel, type PostExpectation, type ValidOrder } from './support/order-api-model';
import { allowedOutcomes, expectedStock, type SagaSettings, totalOf } from './support/order-outcome-model';
import { expectGetById, expectList, listBodyFaults, type ReadExpectation } from './support/order-query-model';

const SETTINGS: SagaSettings = { skus: new Set(SEEDED_SKUS), stock: 500, declineAbove: 500_000 };
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const WELL_FORMED = /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

interface Answer {
  status: number;
  contentType: string;
  location: string | null;
  replayed: string | null;
  body: Json;
}

/**
 * Property-based fuzzing of the order API with an oracle for every request: generated valid orders (a third of the
 * requests or more), the same orders with fields broken, arbitrary bodies and media types, replays under an
 * Idempotency-Key, ids and list queries. Each answer must be the one the contract dictates (order-api-model.ts,
 * order-query-model.ts): a valid order 201 with the order echoed, an invalid one 400 naming exactly the failing
 * fields, every error a clean problem document. Then every accepted order must reach the final state its content
 * implies (price, stock, SKU), charged and notified as that state requires, and the stock must add up.
 */
describe('fault: property-based HTTP fuzzing of the order API', () => {
  let system: RunningSystem;
  let api: string;
  let dlqBefore = 0;
  const started = Date.now();
  const tests = testTracker();
  const idempotency = new IdempotencyModel();
  /** Orders the API created, by id, with the content that decides their fate. */
  const created = new Map<string, ValidOrder>();
  /** Keyed requests that created an order, for replays. */
  const keyed: { body: string; contentType: string | undefined; key: string; order: ValidOrder }[] = [];
  const counts = { requests: 0, valid: 0, posts: 0, validPosts: 0 };
  const seen = new Map<number, number>();
  const audit = { final: 0, lost: 0, duplicated: 0 };

  beforeAll(async () => {
    system = await startSystem({
      env: FAULT_ENV,
      serviceEnv: {
        'payment-service': { PAYMENT_DECLINE_ABOVE: String(SETTINGS.declineAbove) },
        'inventory-service': { INVENTORY_SEED_STOCK: String(SETTINGS.stock) },
      },
    });
    api = system.url('order-service');
    dlqBefore = await dlqCount(system.natsUrl);
  }, 180_000);

  afterAll(async () => {
    step(`fuzz: ${counts.requests} requests (${counts.valid} valid), statuses ${JSON.stringify(Object.fromEntries(seen))}`);
    const dlq = system ? (await dlqCount(system.natsUrl)) - dlqBefore : 0;
    await system?.stop();
    recordRow({
      scenario: `HTTP fuzzing (${counts.requests} requests, ${counts.valid} valid)`,
      orders: created.size,
      ...audit,
      dlq,
      seconds: (Date.now() - started) / 1000,
      passed: tests.passed() && dlq === 0,
    });
    printSummary();
  }, 60_000);

  async function send(method: string, path: string, init: { body?: string; contentType?: string; key?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (init.contentType) headers['content-type'] = init.contentType;
    if (init.key) headers['idempotency-key'] = init.key;
    const response = await fetch(`${api}${path}`, { method, body: init.body, headers, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    counts.requests++;
    seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* judged below */
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      location: response.headers.get('location'),
      replayed: response.headers.get('idempotent-replayed'),
      body,
    };
  }

  /** Throws (failing the property at this request) when the answer is not the expected one. */
  function judge(what: string, expected: PostExpectation | ReadExpectation, answer: Answer, echoed: string[]): void {
    const fail = (why: string) => {
      throw new Error(
        `${what}\n  expected ${JSON.stringify(expected)}\n  got ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 600)}\n  ${why}`,
      );
    };
    if (answer.status !== expected.status) fail('wrong status');
    if (answer.status < 400) return;
    if (!/^application\/problem\+json/.test(answer.contentType)) fail(`content-type ${answer.contentType}`);
    const faults = problemDocumentFaults(answer.body, answer.status, echoed);
    if (faults.length) fail(faults.join('; '));
    const named = answer.body.errors === undefined ? undefined : [...new Set((answer.body.errors as { field: string }[]).map((e) => e.field))].sort();
    const fields = 'fields' in expected ? expected.fields : undefined;
    if (JSON.stringify(named) !== JSON.stringify(fields)) fail(`fields named ${JSON.stringify(named)}, expected ${JSON.stringify(fields)}`);
  }

  it(
    'POST /orders: 800 generated requests, each answered as the contract says',
    tests.track(async () => {
      await fc.assert(
        fc.asyncProperty(postRequest, async (request) => {
          let { body, contentType, key } =
            request.kind === 'replay' ? { body: '', contentType: undefined, key: undefined as string | undefined } : request;
          if (request.kind === 'replay') {
            fc.pre(keyed.length > 0);
            const earlier = keyed[request.pick % keyed.length];
            ({ contentType, key } = earlier);
            body = request.order === undefined ? earlier.body : JSON.stringify(request.order);
          }
          const expected = idempotency.expect(expectPost(body, contentType), key);
          const answer = await send('POST', '/orders', { body, contentType, key });
          counts.posts++;
          const what = `POST /orders (${request.kind}, content-type ${JSON.stringify(contentType)}, key ${key}) ${JSON.stringify(body.slice(0, 300))}`;
          judge(what, expected, answer, [contentType ?? '', (contentType ?? '').split(';')[0].trim().toLowerCase()]);
          if (expected.status !== 201) return;
          counts.valid++;
          counts.validPosts++;
          const order = answer.body as { id: string; status: string; totalAmount: number } & ValidOrder;
          // A new order is PENDING; a replay shows the first order as it is now.
          const echo = {
            customerId: order.customerId,
            currency: order.currency,
            items: order.items,
            status: expected.replayOf ? 'any' : order.status,
            totalAmount: order.totalAmount,
          };
          expect({ what, echo }).toEqual({
            what,
            echo: { ...expected.order, status: expected.replayOf ? 'any' : 'PENDING', totalAmount: totalOf(expected.order) },
          });
          expect(answer.location).toBe(`/orders/${order.id}`);
          if (expected.replayOf) expect({ what, id: order.id, replayed: answer.replayed }).toEqual({ what, id: expected.replayOf, replayed: 'true' });
          else expect({ what, reused: created.has(order.id) }).toEqual({ what, reused: false });
          created.set(order.id, expected.order);
          idempotency.created(key, expected.order, order.id);
          if (key && !expected.replayOf) keyed.push({ body, contentType, key, order: expected.order });
        }),
        { numRuns: 800, seed: SEED, endOnFailure: true },
      );
    }),
    600_000,
  );

  it(
    'GET /orders/:id: 200 generated ids, each answered as the contract says',
    tests.track(async () => {
      const ids = () => [...created.keys()];
      await fc.assert(
        fc.asyncProperty(idRequest, async (request) => {
          const id = 'pick' in request ? ids()[request.pick % Math.max(1, created.size)] : request.id;
          fc.pre(id !== undefined && WELL_FORMED.test(id)); // encodeURIComponent refuses unpaired surrogates
          const { path, expected } = expectGetById(id, (param) => created.has(param.toLowerCase()));
          const answer = await send('GET', `/orders/${encodeURIComponent(id)}`);
          judge(`GET ${path}`, expected, answer, [path, decodeURIComponent(path)]);
          if (expected.status !== 200) return;
          counts.valid++;
          const want = created.get(id.toLowerCase())!;
          expect({ id: answer.body.id, customerId: answer.body.customerId, items: answer.body.items }).toEqual({
            id: id.toLowerCase(),
            customerId: want.customerId,
            items: want.items,
          });
        }),
        { numRuns: 200, seed: SEED, endOnFailure: true },
      );
    }),
    300_000,
  );

  it(
    'GET /orders?…: 200 generated queries, each answered as the contract says',
    tests.track(async () => {
      await fc.assert(
        fc.asyncProperty(listQuery, async (query) => {
          const { expected, filter } = expectList(query);
          const answer = await send('GET', `/orders?${query}`);
          judge(`GET /orders?${query}`, expected, answer, [
            `/orders?${query}`,
            ...new URLSearchParams(query).keys(),
            ...new URLSearchParams(query).values(),
          ]);
          if (!filter) return;
          counts.valid++;
          expect({ query, faults: listBodyFaults(answer.body, filter) }).toEqual({ query, faults: [] });
        }),
        { numRuns: 200, seed: SEED, endOnFailure: true },
      );
    }),
    300_000,
  );

  it(
    'a third of the requests were valid; every accepted order reached the state its content implies, charged and notified once; stock adds up',
    tests.track(async () => {
      expect(counts.valid * 3).toBeGreaterThanOrEqual(counts.requests);
      expect(counts.validPosts * 3).toBeGreaterThanOrEqual(counts.posts);
      expect(exitedServices(system)).toEqual([]);
      expect((await fetch(`${api}/health/ready`)).status).toBe(200);

      const finals = new Map<string, { id: string; status: string; reason?: string; totalAmount: number }>();
      const deadline = Date.now() + 180_000;
      while (finals.size < created.size && Date.now() < deadline) {
        for (const id of created.keys()) {
          if (finals.has(id)) continue;
          const response = await fetch(`${api}/orders/${id}`);
          const body = (await response.json()) as { id: string; status: string; reason?: string; totalAmount: number };
          if (response.status === 200 && body.status !== 'PENDING') finals.set(id, body);
        }
        if (finals.size < created.size) await sleep(500);
      }
      const problems: string[] = [];
      const allowed = allowedOutcomes(created, SETTINGS);
      let effects = await outsideEffects(system.database.url, [...created.keys()]);
      for (let i = 0; i < 60 && [...finals.keys()].some((id) => effects.get(id)!.deliveries.length === 0); i++) {
        await sleep(500);
        effects = await outsideEffects(system.database.url, [...created.keys()]);
      }
      for (const [id, order] of created) {
        const final = finals.get(id);
        const outcome = final && allowed.get(id)!.find((o) => o.status === final.status && o.reason === final.reason);
        const outside = final ? effectProblems(final, effects.get(id)) : { extra: [], missing: [] };
        if (!final || !outcome || outside.missing.length) {
          audit.lost++;
          problems.push(
            `${id} ${JSON.stringify(order).slice(0, 200)}: ${final ? `${final.status}/${final.reason}` : 'not final'}, allowed ${JSON.stringify(allowed.get(id))} ${outside.missing.join('; ')}`,
          );
        }
        if (outside.extra.length) {
          audit.duplicated++;
          problems.push(`${id}: ${outside.extra.join('; ')}`);
        }
      }
      audit.final = finals.size;
      const confirmed = [...created].filter(([id]) => finals.get(id)?.status === 'CONFIRMED').map(([, order]) => order);
      for (const [sku, want] of expectedStock(confirmed, SETTINGS)) {
        const { available, reserved } = (await (await fetch(`${system.url('inventory-service')}/inventory/${sku}`)).json()) as {
          available: number;
          reserved: number;
        };
        if (available !== want.available || reserved !== want.reserved)
          problems.push(`${sku}: available ${available}, reserved ${reserved}; expected ${JSON.stringify(want)}`);
      }
      step(`fuzz: ${created.size} orders, ${finals.size} final, ${confirmed.length} confirmed, ${problems.length} problem(s)`);
      expect(problems.slice(0, 20)).toEqual([]);
    }),
    300_000,
  );
});
