import { randomUUID } from 'node:crypto';

import { type Tx, UnitOfWork } from '@app/persistence';
import type { TestingModule } from '@nestjs/testing';
import { sql } from 'drizzle-orm';

import { createTestDatabase, type TestDatabase } from '../support/stack';
import { query, startPersistence, testOptions, thingsMigrations, waitFor } from './support/persistence-test.kit';

const schema = 'inbox_test';

describe('inbox (real PostgreSQL)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let uow: UnitOfWork;

  beforeAll(async () => {
    db = await createTestDatabase('persistence_inbox');
    // No publisher: the relay stays off, the inbox does not need it.
    moduleRef = await startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: thingsMigrations(schema), poolSize: 12 }));
    uow = moduleRef.get(UnitOfWork);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  /** A handler's state change: one row per run, so the table counts how often the handler really ran. */
  const recordRun = (tx: Tx, note: string) => tx.execute(sql`INSERT INTO ${sql.raw(schema)}.things (id, note) VALUES (${randomUUID()}, ${note})`);
  const runs = async (note: string) =>
    (await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.things WHERE note = $1`, [note]))[0].n;
  const recorded = async (consumer: string, eventId: string) =>
    (await query(db.url, `SELECT 1 FROM ${schema}.inbox WHERE consumer = $1 AND event_id = $2`, [consumer, eventId])).length === 1;

  /** What a message handler does: state change and processed id in one transaction. */
  const handle = <T>(consumer: string, eventId: string, fn: (tx: Tx) => Promise<T>) => uow.handleOnce(consumer, { id: eventId }, fn);

  it('runs the handler once for the same (consumer, event id) and reports the second delivery as a duplicate', async () => {
    const eventId = randomUUID();
    let calls = 0;
    const fn = async (tx: Tx) => {
      calls++;
      await recordRun(tx, `once-${eventId}`);
      return 'reserved';
    };

    await expect(handle('inventory-service', eventId, fn)).resolves.toEqual({ duplicate: false, result: 'reserved' });
    await expect(handle('inventory-service', eventId, fn)).resolves.toEqual({ duplicate: true });
    expect(calls).toBe(1);
    expect(await runs(`once-${eventId}`)).toBe(1);
    expect(await recorded('inventory-service', eventId)).toBe(true);
  });

  it('marks an event handled without a state change, after which handleOnce treats it as a duplicate', async () => {
    const eventId = randomUUID();
    await expect(uow.markHandled('payment-service', { id: eventId })).resolves.toBe(true);
    await expect(uow.markHandled('payment-service', { id: eventId })).resolves.toBe(false);
    await expect(handle('payment-service', eventId, (tx) => recordRun(tx, `marked-${eventId}`))).resolves.toEqual({ duplicate: true });
    expect(await runs(`marked-${eventId}`)).toBe(0);
  });

  it('keeps consumers apart: another consumer of the same event runs its own handler', async () => {
    const eventId = randomUUID();
    const fn = (tx: Tx) => recordRun(tx, `consumers-${eventId}`).then(() => 'ok');
    await expect(handle('payment-service', eventId, fn)).resolves.toEqual({ duplicate: false, result: 'ok' });
    await expect(handle('notification-service', eventId, fn)).resolves.toEqual({ duplicate: false, result: 'ok' });
    await expect(handle('payment-service', eventId, fn)).resolves.toEqual({ duplicate: true });
    expect(await runs(`consumers-${eventId}`)).toBe(2);
  });

  it('records nothing when the handler throws, so the redelivery runs it again', async () => {
    const eventId = randomUUID();
    let calls = 0;
    const flaky = async (tx: Tx) => {
      calls++;
      await recordRun(tx, `flaky-${eventId}`);
      if (calls === 1) throw new Error('gateway unavailable');
      return calls;
    };

    await expect(handle('payment-service', eventId, flaky)).rejects.toThrow('gateway unavailable');
    expect(await recorded('payment-service', eventId)).toBe(false);
    expect(await runs(`flaky-${eventId}`)).toBe(0); // the partial state change rolled back too

    await expect(handle('payment-service', eventId, flaky)).resolves.toEqual({ duplicate: false, result: 2 });
    await expect(handle('payment-service', eventId, flaky)).resolves.toEqual({ duplicate: true });
    expect(calls).toBe(2);
    expect(await runs(`flaky-${eventId}`)).toBe(1);
  });

  it('runs exactly one of several concurrent deliveries of the same event', async () => {
    const eventId = randomUUID();
    let calls = 0;
    const fn = async (tx: Tx) => {
      calls++;
      await recordRun(tx, `race-${eventId}`);
      // Stay inside the transaction a moment so the other deliveries queue up on the inbox key.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'charged';
    };

    const results = await Promise.all(Array.from({ length: 8 }, () => handle('payment-service', eventId, fn)));
    expect(results.filter((r) => !r.duplicate)).toEqual([{ duplicate: false, result: 'charged' }]);
    expect(results.filter((r) => r.duplicate)).toHaveLength(7);
    expect(calls).toBe(1);
    expect(await runs(`race-${eventId}`)).toBe(1);
  });

  it('lets a waiting concurrent delivery take over when the first one rolls back', async () => {
    const eventId = randomUUID();
    let releaseFirst!: () => void;
    const firstMayFail = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstStarted = false;

    const first = handle('order-service', eventId, async (tx) => {
      firstStarted = true;
      await recordRun(tx, `takeover-${eventId}`);
      await firstMayFail;
      throw new Error('handler crashed');
    });
    await waitFor(() => firstStarted, { what: 'the first delivery to hold the inbox key' });

    let secondRan = false;
    const second = handle('order-service', eventId, async (tx) => {
      secondRan = true;
      await recordRun(tx, `takeover-${eventId}`);
      return 'second';
    });
    // The second delivery is blocked on the first one's uncommitted inbox row (a lock wait in PostgreSQL).
    await waitFor(
      async () =>
        (await query(db.url, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query ILIKE '%inbox%'", [db.name]))
          .length === 1,
      { what: 'the second delivery to wait on the inbox key' },
    );
    expect(secondRan).toBe(false);

    releaseFirst();
    await expect(first).rejects.toThrow('handler crashed');
    await expect(second).resolves.toEqual({ duplicate: false, result: 'second' });
    expect(await runs(`takeover-${eventId}`)).toBe(1);
    expect(await recorded('order-service', eventId)).toBe(true);
  });
});
