/**
 * The simulated gateway's and provider's database books, exercised on one driver, run as a plain Node process by
 * simulated-books.int-spec.ts (PGlite cannot load inside Jest's sandbox; see test/persistence/support/pglite-scenario.ts).
 * "Restart" means new gateway/provider instances over the same database, which is all a restarted service has.
 * Prints one JSON line of observations.
 *
 * Usage: ts-node --transpile-only -r tsconfig-paths/register books-scenario.ts pglite <dataDir>
 *        ts-node ... books-scenario.ts postgres <database url>
 */
import { runMigrations } from '@app/persistence';
import { sql } from 'drizzle-orm';

import { NOTIFICATION_MIGRATIONS } from '../../../apps/notification-service/src/db/notification.migrations';
import { DatabaseNotificationProviderBooks, SimulatedNotificationProvider } from '../../../apps/notification-service/src/provider';
import { PAYMENT_MIGRATIONS } from '../../../apps/payment-service/src/db/payment.migrations';
import { DatabasePaymentGatewayBooks, SimulatedPaymentGateway } from '../../../apps/payment-service/src/gateway';
import { openConnection } from '../../../libs/persistence/src/database/database.connection';

const rows = <R>(result: unknown): R[] => (result as { rows: R[] }).rows;
/** Key order does not survive jsonb; compare answers field by field. */
const same = (a: object, b: object) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const config = { failureRate: 0, latencyMs: 0, declineAbove: 1_000 };

async function main(): Promise<unknown> {
  const [driver, target] = process.argv.slice(2);
  if ((driver !== 'pglite' && driver !== 'postgres') || !target) throw new Error('usage: books-scenario pglite <dataDir> | postgres <url>');
  const connection = await openConnection({
    serviceName: 'books',
    databaseUrl: driver === 'postgres' ? target : undefined,
    dataDir: target,
    poolSize: 10,
  });
  try {
    await runMigrations(connection, 'payments', PAYMENT_MIGRATIONS);
    await runMigrations(connection, 'notifications', NOTIFICATION_MIGRATIONS);
    const db = connection.db;
    const gateway = () => new SimulatedPaymentGateway(config, new DatabasePaymentGatewayBooks(db));
    const provider = () => new SimulatedNotificationProvider({ failureRate: 0, latencyMs: 0 }, new DatabaseNotificationProviderBooks(db));
    const charges = async (orderId: string) =>
      rows<{ n: number }>(await db.execute(sql`select count(*)::int as n from payments.gateway_charges where order_id = ${orderId}`))[0].n;
    const deliveries = async (orderId: string) =>
      rows<{ n: number }>(await db.execute(sql`select count(*)::int as n from notifications.provider_deliveries where order_id = ${orderId}`))[0].n;
    const charge = (orderId: string, amount = 500) => ({ orderId, amount, currency: 'EUR', idempotencyKey: orderId });
    const message = (orderId: string) => ({
      orderId,
      recipient: 'c-1',
      template: 'order-confirmed',
      data: {},
      idempotencyKey: `${orderId}:order-confirmed`,
    });

    const first = await gateway().charge(charge('order-x'));
    const afterRestart = await gateway().charge(charge('order-x'));
    const concurrent = await Promise.all(Array.from({ length: 8 }, () => gateway().charge(charge('order-y'))));
    const declined = await gateway().charge(charge('order-z', 5_000));
    const declinedAgain = await gateway().charge(charge('order-z', 5_000));
    const reused = await gateway()
      .charge(charge('order-x', 999))
      .then(
        () => 'accepted',
        (error: Error) => error.name,
      );
    const chargesBeforeExpiry = await charges('order-x');
    await db.execute(sql`update payments.gateway_idempotency_keys set expires_at = now() - interval '1 second' where idempotency_key = 'order-x'`);
    const afterExpiry = await gateway().charge(charge('order-x'));

    // A business transaction open on the service's database while the gateway answers: on PGlite (one connection)
    // the gateway's transaction waits for it, on PostgreSQL it runs beside it; neither deadlocks.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const business = db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await held;
    });
    const during = gateway().charge(charge('order-w'));
    const settledWhileOpen = await Promise.race([during.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
    release();
    await business;
    const duringResult = await during;

    const sent = await provider().send(message('order-x'));
    const sentAfterRestart = await provider().send(message('order-x'));
    const sentConcurrently = await Promise.all(Array.from({ length: 8 }, () => provider().send(message('order-y'))));
    const deliveriesBeforeExpiry = await deliveries('order-x');
    await db.execute(
      sql`update notifications.provider_idempotency_keys set expires_at = now() - interval '1 second' where idempotency_key = 'order-x:order-confirmed'`,
    );
    const sentAfterExpiry = await provider().send(message('order-x'));

    return {
      sameAnswerAfterRestart: same(first, afterRestart),
      approved: first.outcome,
      concurrentDistinctAnswers: new Set(concurrent.map((r) => JSON.stringify(Object.entries(r).sort()))).size,
      chargesX: chargesBeforeExpiry,
      chargesY: await charges('order-y'),
      declined: declined.outcome,
      sameDecline: same(declined, declinedAgain),
      chargesZ: await charges('order-z'),
      reused,
      newAnswerAfterExpiry: !same(afterExpiry, first),
      chargesXAfterExpiry: await charges('order-x'),
      settledWhileOpen,
      duringResult: duringResult.outcome,
      chargesW: await charges('order-w'),
      sameMessageAfterRestart: sent.messageId === sentAfterRestart.messageId,
      concurrentDistinctMessages: new Set(sentConcurrently.map((r) => r.messageId)).size,
      deliveriesX: deliveriesBeforeExpiry,
      deliveriesY: await deliveries('order-y'),
      newMessageAfterExpiry: sentAfterExpiry.messageId !== sent.messageId,
      deliveriesXAfterExpiry: await deliveries('order-x'),
    };
  } finally {
    await connection.close();
  }
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
