import { EventOutbox, type OutboxBacklog, OutboxRelay, type PersistenceModuleOptions, UnitOfWork } from '@app/persistence';
import { createInMemoryTelemetry, type InMemoryTelemetry } from '@app/telemetry/testing';
import type { TestingModule } from '@nestjs/testing';
import { type Span, trace } from '@opentelemetry/api';
import { sql } from 'drizzle-orm';

import { createTestDatabase, type TestDatabase } from '../support/stack';
import {
  FakeBroker,
  noStreamError,
  outageError,
  type Published,
  query,
  startPersistence,
  SwitchGate,
  type TestEvent,
  testEvent,
  testOptions,
  thingsMigrations,
  waitFor,
} from './support/persistence-test.kit';

/** One running "app instance": its module and the pieces the tests drive. */
interface Instance {
  moduleRef: TestingModule;
  uow: UnitOfWork;
  outbox: EventOutbox;
  relay: OutboxRelay;
}

describe('transactional outbox and relay (real PostgreSQL)', () => {
  let db: TestDatabase;
  let telemetry: InMemoryTelemetry;
  const running: Instance[] = [];
  const releases: Array<() => void> = [];

  async function start(schema: string, overrides: Partial<PersistenceModuleOptions> = {}): Promise<Instance> {
    const moduleRef = await startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: thingsMigrations(schema), ...overrides }));
    const instance = { moduleRef, uow: moduleRef.get(UnitOfWork), outbox: moduleRef.get(EventOutbox), relay: moduleRef.get(OutboxRelay) };
    running.push(instance);
    return instance;
  }

  /** Each event in its own committed transaction, one after the other. */
  async function commitEach(app: Instance, events: TestEvent[]): Promise<void> {
    for (const event of events) await app.uow.transactional((tx) => app.outbox.enqueue(tx, event));
  }

  async function outboxRow(schema: string, id: string) {
    const [row] = await query<{ attempts: number; sent_at: Date | null; last_error: string | null; headers: Record<string, string> }>(
      db.url,
      `SELECT attempts, sent_at, last_error, headers FROM ${schema}.outbox WHERE id = $1`,
      [id],
    );
    return row;
  }

  const idsOf = (events: TestEvent[]) => events.map((e) => e.id);
  const countBy = (published: Published[]) => published.reduce((m, p) => m.set(p.msgId, (m.get(p.msgId) ?? 0) + 1), new Map<string, number>());

  beforeAll(async () => {
    telemetry = createInMemoryTelemetry();
    db = await createTestDatabase('persistence_outbox');
  });

  afterEach(async () => {
    releases.splice(0).forEach((release) => release());
    await Promise.all(running.splice(0).map((app) => app.moduleRef.close()));
  });

  afterAll(async () => {
    await db?.drop();
    await telemetry?.shutdown();
  });

  it('never publishes rows of a rolled-back transaction and publishes committed rows in commit order, msgId = event id', async () => {
    const schema = 'ob_commit';
    const broker = new FakeBroker();
    const app = await start(schema, { publisher: broker });

    const rolledBack = testEvent(0);
    await expect(
      app.uow.transactional(async (tx) => {
        await tx.execute(sql.raw(`INSERT INTO ${schema}.things (id) VALUES ('rolled-back')`));
        await app.outbox.enqueue(tx, rolledBack);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    // An event the codec refuses fails the business transaction instead of poisoning the outbox.
    const invalid = { id: testEvent(0).id, correlationid: 'c' } as unknown as TestEvent;
    await expect(
      app.uow.transactional(async (tx) => {
        await tx.execute(sql.raw(`INSERT INTO ${schema}.things (id) VALUES ('invalid')`));
        await app.outbox.enqueue(tx, invalid);
      }),
    ).rejects.toThrow(/type is required/);

    const oneByOne = Array.from({ length: 10 }, (_, i) => testEvent(i + 1, i % 2 ? 'orders.created' : 'orders.confirmed'));
    await commitEach(app, oneByOne);
    const together = Array.from({ length: 5 }, (_, i) => testEvent(100 + i));
    await app.uow.transactional(async (tx) => {
      await tx.execute(sql.raw(`INSERT INTO ${schema}.things (id) VALUES ('committed')`));
      for (const event of together) await app.outbox.enqueue(tx, event);
    });
    const committed = [...oneByOne, ...together];

    await waitFor(async () => (await app.relay.backlog()).unsent === 0 && broker.accepted.length >= committed.length, {
      what: 'all committed rows published',
    });

    expect(broker.ids()).toEqual(idsOf(committed));
    expect(broker.accepted.map((p) => p.subject)).toEqual(committed.map((e) => e.type));
    expect(broker.accepted.map((p) => p.event)).toEqual(committed);
    expect(broker.attempts).not.toContain(rolledBack.id);
    expect(broker.attempts).not.toContain(invalid.id);
    expect(await query(db.url, `SELECT id FROM ${schema}.outbox WHERE id = ANY($1::uuid[])`, [[rolledBack.id, invalid.id]])).toEqual([]);
    expect(await query(db.url, `SELECT id FROM ${schema}.things ORDER BY id`)).toEqual([{ id: 'committed' }]);
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NOT NULL AND attempts = 1`)).toEqual([
      { n: committed.length },
    ]);
  });

  it("publishes with the headers stored at write time: the writer's trace context, correlation id and extra headers", async () => {
    const schema = 'ob_trace';
    const broker = new FakeBroker();
    const app = await start(schema, { publisher: broker });
    const tracer = trace.getTracer('outbox-test');

    const inRequest = async (name: string, event: TestEvent, headers?: Record<string, string>) =>
      tracer.startActiveSpan(name, async (span: Span) => {
        await app.uow.transactional((tx) => app.outbox.enqueue(tx, event, { headers }));
        span.end();
        return span.spanContext();
      });

    const first = testEvent(1);
    const second = testEvent(2);
    const untraced = testEvent(3);
    const firstSpan = await inRequest('POST /orders', first, { 'x-tenant': 'acme' });
    const secondSpan = await inRequest('POST /orders', second);
    await app.uow.transactional((tx) => app.outbox.enqueue(tx, untraced));
    expect(firstSpan.traceId).not.toBe(secondSpan.traceId);

    await waitFor(() => broker.accepted.length === 3, { what: 'three publishes' });
    const [p1, p2, p3] = broker.accepted;

    expect(p1.msgId).toBe(first.id);
    expect(p1.headers).toEqual({ traceparent: `00-${firstSpan.traceId}-${firstSpan.spanId}-01`, 'correlation-id': 'corr-1', 'x-tenant': 'acme' });
    expect(p2.headers).toEqual({ traceparent: `00-${secondSpan.traceId}-${secondSpan.spanId}-01`, 'correlation-id': 'corr-2' });
    expect(p3.headers).toEqual({ 'correlation-id': 'corr-3' });
    // The relay publishes each row inside the row's own context, never the context of whatever woke it up.
    expect([p1.activeTraceId, p2.activeTraceId, p3.activeTraceId]).toEqual([firstSpan.traceId, secondSpan.traceId, undefined]);
    // The stored row is the source of those headers.
    expect((await outboxRow(schema, first.id)).headers).toEqual(p1.headers);
  });

  it('keeps rows through a broker outage, backs off without letting later rows overtake, and publishes each once after recovery', async () => {
    const schema = 'ob_outage';
    const broker = new FakeBroker();
    broker.behaviour = () => {
      throw outageError();
    };
    const app = await start(schema, { publisher: broker });
    const events = Array.from({ length: 5 }, (_, i) => testEvent(i));
    await commitEach(app, events);

    await waitFor(() => broker.attempts.length >= 3, { what: 'the relay to retry during the outage' });
    // Only the head of the queue is tried: later rows never overtake the failing one.
    expect(new Set(broker.attempts)).toEqual(new Set([events[0].id]));
    expect(broker.accepted).toEqual([]);
    expect(app.relay.status()).toEqual({
      running: true,
      outage: { since: expect.any(String), lastError: 'ConnectionClosedError: connection closed' },
    });
    expect(await app.relay.backlog()).toEqual<OutboxBacklog>({ unsent: 5, oldestAgeMs: expect.any(Number), failing: 1, rejected: 0 });
    const head = await outboxRow(schema, events[0].id);
    expect(head.sent_at).toBeNull();
    expect(head.attempts).toBeGreaterThanOrEqual(1);
    expect(head.last_error).toBe('ConnectionClosedError: connection closed');

    broker.behaviour = () => undefined;
    await waitFor(async () => (await app.relay.backlog()).unsent === 0, { what: 'the backlog to drain after recovery' });

    expect(broker.ids()).toEqual(idsOf(events));
    expect([...countBy(broker.accepted).values()]).toEqual([1, 1, 1, 1, 1]);
    expect(app.relay.status()).toEqual({ running: true });
    expect((await outboxRow(schema, events[0].id)).last_error).toBeNull();
  });

  it('holds rows while the gate (circuit breaker) refuses, without calling the publisher, then publishes them', async () => {
    const schema = 'ob_gate';
    const broker = new FakeBroker();
    const gate = new SwitchGate();
    gate.open = true;
    const app = await start(schema, { publisher: broker, gate });
    const events = Array.from({ length: 3 }, (_, i) => testEvent(i));
    await commitEach(app, events);

    await waitFor(() => gate.rejectedWhileOpen >= 2, { what: 'the gate to be tried while open' });
    expect(broker.attempts).toEqual([]);
    expect((await app.relay.backlog()).unsent).toBe(3);
    expect(app.relay.status().outage?.lastError).toMatch(/^BrokenCircuitError: /);

    gate.open = false;
    await waitFor(async () => (await app.relay.backlog()).unsent === 0, { what: 'rows to be published once the gate closes' });
    expect(broker.ids()).toEqual(idsOf(events));
    expect(broker.attempts).toEqual(idsOf(events));
  });

  it('does not let a row the broker rejects block the rows after it, and retries that row on its own schedule', async () => {
    const schema = 'ob_reject';
    const broker = new FakeBroker();
    const events = Array.from({ length: 4 }, (_, i) => testEvent(i));
    const victim = events[1];
    broker.behaviour = (msgId, attempt) => {
      if (msgId === victim.id && attempt === 1) throw noStreamError('things.happened');
    };
    const app = await start(schema, { publisher: broker });
    // One transaction, so the first pass sees all four rows whatever the timing.
    await app.uow.transactional(async (tx) => {
      for (const event of events) await app.outbox.enqueue(tx, event);
    });

    await waitFor(async () => (await app.relay.backlog()).unsent === 0, { timeoutMs: 20_000, what: 'the rejected row to be retried and published' });

    // Rows after the rejected one went out first; the rejected one followed on its retry.
    expect(broker.ids()).toEqual(idsOf([events[0], events[2], events[3], victim]));
    expect(broker.attempts.filter((id) => id === victim.id)).toHaveLength(2);
    const row = await outboxRow(schema, victim.id);
    expect(row).toMatchObject({ attempts: 2, last_error: null });
    expect(row.sent_at).not.toBeNull();
    // A rejection is not an outage.
    expect(app.relay.status()).toEqual({ running: true });
  });

  it('reports the backlog: unsent, failing and rejected rows, pass by pass', async () => {
    const schema = 'ob_backlog';
    const broker = new FakeBroker();
    // The loop is off: each pass is driven by the test through publishPending().
    const app = await start(schema, { publisher: broker, outbox: { enabled: false } });
    expect(app.relay.status()).toEqual({ running: false });
    expect(await app.relay.backlog()).toEqual({ unsent: 0, oldestAgeMs: 0, failing: 0, rejected: 0 });

    const [rejected, failing, fine] = [testEvent(1), testEvent(2), testEvent(3)];
    await app.uow.transactional(async (tx) => {
      for (const event of [rejected, failing, fine]) await app.outbox.enqueue(tx, event);
    });
    const fresh = await app.relay.backlog();
    expect(fresh).toEqual({ unsent: 3, oldestAgeMs: expect.any(Number), failing: 0, rejected: 0 });
    expect(fresh.oldestAgeMs).toBeGreaterThanOrEqual(0);

    broker.behaviour = (msgId) => {
      if (msgId === rejected.id) throw Object.assign(new Error('payload too large'), { code: 'MAX_PAYLOAD_EXCEEDED' });
      if (msgId === failing.id) throw outageError('timeout');
    };
    // The head row goes alone (rejected: it no longer holds the others back); the rest is pipelined, so the row
    // after the failing one is stored in the same round and counts as sent.
    await expect(app.relay.publishPending()).resolves.toEqual({
      published: 1,
      rejected: 1,
      failed: true,
      error: expect.objectContaining({ message: 'timeout' }),
    });
    expect(broker.ids()).toEqual([fine.id]);
    expect(await app.relay.backlog()).toEqual({ unsent: 2, oldestAgeMs: expect.any(Number), failing: 2, rejected: 1 });

    broker.behaviour = () => undefined;
    // The rejected row waits for its retry time; the failed one goes now.
    await expect(app.relay.publishPending()).resolves.toEqual({ published: 1, rejected: 0, failed: false });
    expect(broker.ids()).toEqual([fine.id, failing.id]);
    expect(await app.relay.backlog()).toEqual({ unsent: 1, oldestAgeMs: expect.any(Number), failing: 1, rejected: 1 });

    await waitFor(async () => (await app.relay.publishPending()).published === 1, {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'the rejected row to become due',
    });
    expect(broker.ids()).toEqual([fine.id, failing.id, rejected.id]);
    expect(await app.relay.backlog()).toEqual({ unsent: 0, oldestAgeMs: 0, failing: 0, rejected: 0 });
    await expect(app.relay.publishPending()).resolves.toEqual({ published: 0, rejected: 0, failed: false });
  });

  it('deletes rows as soon as they are sent when retentionMs is 0', async () => {
    const schema = 'ob_retention';
    const broker = new FakeBroker();
    const app = await start(schema, { publisher: broker, outbox: { enabled: false, retentionMs: 0 } });
    const events = [testEvent(1), testEvent(2)];
    await commitEach(app, events);
    await expect(app.relay.publishPending()).resolves.toEqual({ published: 2, rejected: 0, failed: false });
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`)).toEqual([{ n: 0 }]);
    expect(broker.ids()).toEqual(idsOf(events));
  });

  it('lets a second instance publish the rows a stuck instance has not locked, never the locked ones (SKIP LOCKED)', async () => {
    const schema = 'ob_skip_locked';
    const accepted: Published[] = [];
    const brokerA = new FakeBroker('a', accepted);
    const brokerB = new FakeBroker('b', accepted);
    let release!: () => void;
    const latch = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    brokerA.behaviour = () => latch; // A's first batch hangs mid-publish, holding its row locks

    const a = await start(schema, { publisher: brokerA, outbox: { batchSize: 5 } });
    const b = await start(schema, { publisher: brokerB, outbox: { batchSize: 5, enabled: false } });
    const events = Array.from({ length: 20 }, (_, i) => testEvent(i));
    await a.uow.transactional(async (tx) => {
      for (const event of events) await a.outbox.enqueue(tx, event);
    });
    await waitFor(() => brokerA.attempts.length === 1, { what: 'instance A to be stuck publishing its first row' });

    b.relay.start();
    await waitFor(() => accepted.filter((p) => p.by === 'b').length === 15, { what: 'instance B to publish the unlocked rows' });
    expect(brokerB.attempts).toEqual(idsOf(events.slice(5)));

    release();
    await waitFor(async () => (await a.relay.backlog()).unsent === 0, { what: 'instance A to finish its batch' });
    expect(accepted.filter((p) => p.by === 'a').map((p) => p.msgId)).toEqual(idsOf(events.slice(0, 5)));
    expect(accepted).toHaveLength(20);
    expect(new Set(accepted.map((p) => p.msgId))).toEqual(new Set(idsOf(events)));
  });

  it('publishes every row exactly once with two instances writing and relaying concurrently', async () => {
    const schema = 'ob_replicas';
    const accepted: Published[] = [];
    const brokers = [new FakeBroker('a', accepted), new FakeBroker('b', accepted)];
    // A little asynchrony per publish so the two relays' batches overlap in time.
    for (const broker of brokers) broker.behaviour = () => new Promise<void>((resolve) => setImmediate(resolve));
    const apps = [
      await start(schema, { publisher: brokers[0], outbox: { batchSize: 7, sweepIntervalMs: 10 } }),
      await start(schema, { publisher: brokers[1], outbox: { batchSize: 7, sweepIntervalMs: 10 } }),
    ];

    const written: TestEvent[] = [];
    await Promise.all(
      apps.map(async (app, index) => {
        for (let t = 0; t < 40; t++) {
          const batch = [testEvent(index * 1000 + t * 3), testEvent(index * 1000 + t * 3 + 1), testEvent(index * 1000 + t * 3 + 2)];
          await app.uow.transactional(async (tx) => {
            for (const event of batch) await app.outbox.enqueue(tx, event);
          });
          written.push(...batch);
        }
      }),
    );

    // Once nothing is unsent, every row's "sent" mark has committed: no further publish of any row can happen.
    await waitFor(async () => (await apps[0].relay.backlog()).unsent === 0, { timeoutMs: 30_000, what: 'both relays to drain the outbox' });
    const counts = countBy(accepted);
    expect(counts.size).toBe(written.length);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(counts.keys())).toEqual(new Set(idsOf(written)));
  });
});
