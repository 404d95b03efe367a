/**
 * The PGlite smoke scenario, run as a plain Node process by pglite.int-spec.ts.
 *
 * Why a child process: PGlite's CommonJS build loads its WebAssembly glue with dynamic `import()` of Node built-ins,
 * which Jest's module sandbox refuses without `--experimental-vm-modules` (and the jest config is not ours to change).
 * Production runs it under plain Node, which is what this does. It prints one JSON line of observations; the spec
 * asserts on them.
 *
 * Usage: ts-node --transpile-only -r tsconfig-paths/register pglite-scenario.ts <dataDir> write
 *        ts-node ... pglite-scenario.ts <dataDir> reopen <inbox event id>
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { DATABASE, type Database, DatabaseHealth, EventOutbox, OutboxRelay, type PersistenceModuleOptions, UnitOfWork } from '@app/persistence';
import { sql } from 'drizzle-orm';

import { FakeBroker, startPersistence, testEvent, testOptions, thingsMigrations, waitFor } from './persistence-test.kit';

const schema = 'orders';

/** `Database` is the driver-neutral PgDatabase, whose `execute` result type is opaque; both drivers return `{ rows }`. */
const rows = <R>(result: unknown): R[] => (result as { rows: R[] }).rows;

async function main(): Promise<unknown> {
  const [dataDir, phase, inboxEventId] = process.argv.slice(2);
  if (!dataDir || (phase !== 'write' && phase !== 'reopen')) throw new Error('usage: pglite-scenario <dataDir> write|reopen [eventId]');
  const options = (overrides: Partial<PersistenceModuleOptions> = {}) =>
    testOptions({ serviceName: 'order-service', schema, dataDir, migrations: thingsMigrations(schema), ...overrides });

  if (phase === 'write') {
    const broker = new FakeBroker();
    let moduleRef = await startPersistence(options({ publisher: broker }));
    const directoryCreated = existsSync(join(dataDir, 'order-service'));
    const ping = await moduleRef.get(DatabaseHealth).ping(5_000);
    const uow = moduleRef.get(UnitOfWork);
    const outbox = moduleRef.get(EventOutbox);

    const committed = [testEvent(1), testEvent(2)];
    for (const event of committed) {
      await uow.transactional(async (tx) => {
        await tx.execute(sql.raw(`INSERT INTO ${schema}.things (id) VALUES ('${event.id}')`));
        await outbox.enqueue(tx, event);
      });
    }
    const rolledBack = testEvent(3);
    const rollback = await uow
      .transactional(async (tx) => {
        await tx.execute(sql.raw(`INSERT INTO ${schema}.things (id) VALUES ('${rolledBack.id}')`));
        await outbox.enqueue(tx, rolledBack);
        throw new Error('rolled back');
      })
      .then(
        () => 'committed',
        (error: Error) => error.message,
      );
    await waitFor(async () => (await moduleRef.get(OutboxRelay).backlog()).unsent === 0, { what: 'PGlite outbox to drain' });

    // While a publish hangs (broker unreachable, waiting for its timeout), the service's own transactions must
    // still run: PGlite is a single connection, so the relay must not hold a transaction across the publish.
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    broker.behaviour = () => hung;
    const stuck = testEvent(5);
    await uow.transactional((tx) => outbox.enqueue(tx, stuck));
    await waitFor(() => broker.attempts.includes(stuck.id), { what: 'the publish of the stuck row to start' });
    const business = uow.transactional((tx) => tx.execute(sql.raw(`INSERT INTO ${schema}.things (id, note) VALUES ('during-hang', 'x')`)));
    const businessDuringHangingPublish = await Promise.race([
      business.then(() => 'completed'),
      new Promise<string>((resolve) => setTimeout(() => resolve('blocked'), 8_000).unref()),
    ]);
    release();
    await business;
    broker.behaviour = () => undefined;
    await waitFor(async () => (await moduleRef.get(OutboxRelay).backlog()).unsent === 0, { what: 'the stuck row to be published' });
    committed.push(stuck);

    const inboxEvent = committed[0].id;
    const firstRun = await uow.handleOnce('order-service', { id: inboxEvent }, async () => 'first');
    const secondRun = await uow.handleOnce('order-service', { id: inboxEvent }, async () => 'second');
    await moduleRef.close();

    // Reopened in the same process without a publisher (the relay does not run): the new row waits in the outbox.
    moduleRef = await startPersistence(options());
    const pending = testEvent(4);
    await moduleRef.get(UnitOfWork).transactional((tx) => moduleRef.get(EventOutbox).enqueue(tx, pending));
    const backlogBeforeClose = await moduleRef.get(OutboxRelay).backlog();
    await moduleRef.close();

    return {
      directoryCreated,
      ping,
      committed: committed.map((e) => e.id),
      published: broker.ids(),
      attempts: broker.attempts,
      rolledBack: rolledBack.id,
      rollback,
      inboxEvent,
      firstRun,
      secondRun,
      pending: pending.id,
      businessDuringHangingPublish,
      unsentBeforeClose: backlogBeforeClose.unsent,
    };
  }

  // phase 'reopen': a new process on the same directory.
  const broker = new FakeBroker();
  const moduleRef = await startPersistence(options({ publisher: broker }));
  try {
    const db = moduleRef.get<Database>(DATABASE);
    const migrations = rows<{ id: string }>(await db.execute(sql.raw(`SELECT id FROM ${schema}.schema_migrations ORDER BY id`))).map((r) => r.id);
    const things = rows<{ id: string }>(await db.execute(sql.raw(`SELECT id FROM ${schema}.things ORDER BY id`))).map((r) => r.id);
    const uow = moduleRef.get(UnitOfWork);
    const inboxAgain = await uow.handleOnce('order-service', { id: inboxEventId }, async () => 'again');
    await waitFor(async () => (await moduleRef.get(OutboxRelay).backlog()).unsent === 0, { what: 'the pending row to be published after reopen' });
    const extraPass = await moduleRef.get(OutboxRelay).publishPending();
    const [{ n: sentRows }] = rows<{ n: number }>(
      await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NOT NULL`)),
    );
    return { migrations, things, inboxAgain, published: broker.ids(), extraPass, sentRows: Number(sentRows) };
  } finally {
    await moduleRef.close();
  }
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`pglite scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
