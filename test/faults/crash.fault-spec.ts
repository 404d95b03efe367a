import { setTimeout as sleep } from 'node:timers/promises';

import type { ServiceName, ServiceProcess } from '../support/stack';
import { finalOrder, type RunningSystem, startSystem } from '../support/system';
import {
  acceptedGate,
  assertAudit,
  auditOrders,
  consumerStates,
  DECLINE_ABOVE,
  dlqCount,
  driveOrders,
  exitedServices,
  FAULT_ENV,
  printSummary,
  scenario,
  sql,
  step,
  stockProblems,
} from './fault-support';

/**
 * Freezes the victim (SIGSTOP) until the broker shows it holding unacknowledged messages, then SIGKILLs it: the kill
 * provably lands while the victim has work in progress. A frozen process can neither ack nor nak, so what the broker
 * counts as pending after a short pause is exactly what dies with it. Returns that count.
 */
async function killMidStream(system: RunningSystem, victim: ServiceName, service: ServiceProcess): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    service.process.kill('SIGSTOP');
    await sleep(50); // acks already on the wire reach the broker
    const unacked = (await consumerStates(system.natsUrl, victim)).reduce((n, c) => n + c.ackPending, 0);
    if (unacked > 0 || Date.now() > deadline) {
      await service.stop('SIGKILL');
      return unacked;
    }
    service.process.kill('SIGCONT');
    await sleep(20 + Math.random() * 40);
  }
}

/**
 * A service is SIGKILLed (no graceful shutdown: in-flight handlers, unacked messages and open transactions are cut
 * off) in the middle of a stream of orders, then restarted. Every accepted order must still end in the state its
 * price dictates, with each step done exactly once, counted where the crash cannot erase it: the gateway's charge
 * log and the provider's delivery log.
 */
describe('fault: SIGKILL a service mid-stream and restart it', () => {
  let system: RunningSystem;
  const ORDERS_PER_ROUND = 24;
  const paymentEnv = { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) };

  beforeAll(async () => {
    system = await startSystem({ env: FAULT_ENV, serviceEnv: { 'payment-service': paymentEnv } });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    printSummary();
  }, 60_000);

  const victims: ServiceName[] = ['inventory-service', 'payment-service', 'notification-service', 'order-service'];

  it.each(victims)(
    'SIGKILL %s',
    async (victim) => {
      await scenario(`SIGKILL ${victim}`, async (signal) => {
        const dlqBefore = await dlqCount(system.natsUrl);
        const gate = acceptedGate(ORDERS_PER_ROUND / 3);
        const api = system.url('order-service');
        const stream = driveOrders(api, ORDERS_PER_ROUND, {
          tag: `kill-${victim}`,
          concurrency: 3,
          pauseMs: 50,
          onAccepted: gate.onAccepted,
          signal,
        });
        await gate.reached;
        const killed = system.services.get(victim)!;
        const unacked = await killMidStream(system, victim, killed);
        step(`${victim}: SIGKILL with ${unacked} message(s) unacknowledged`);
        expect(killed.process.signalCode).toBe('SIGKILL');
        const extra = unacked > 0 ? [] : [`${victim} held no unacknowledged message when it was killed: the kill did not land mid-stream`];
        await sleep(1000); // the stream goes on without it for a moment
        await system.startService(victim);
        step(`${victim}: restarted`);
        const { accepted, statuses } = await stream;
        expect(accepted).toHaveLength(ORDERS_PER_ROUND);
        if (victim !== 'order-service') expect([...statuses.keys()].filter((s) => s >= 500 || s === 0)).toEqual([]);

        step(`${victim}: ${accepted.length} accepted; auditing`);
        const audit = await auditOrders(system, accepted, 120_000);
        step(`${victim}: audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}`);
        extra.push(...(await stockProblems(system)), ...exitedServices(system).map((name) => `${name} exited`));
        const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
        if (dlq !== 0) extra.push(`${dlq} dead letter(s) written`);
        return assertAudit(audit, dlq, extra);
      });
    },
    240_000,
  );

  it('SIGKILL payment-service after the gateway charged and before the payment committed: charged once', async () => {
    await scenario('SIGKILL payment-service between charge and commit', async () => {
      const dlqBefore = await dlqCount(system.natsUrl);
      // The test hook holds every payment after the gateway's answer, so the kill lands in exactly that window.
      await system.services.get('payment-service')!.stop('SIGTERM', 30_000);
      await system.startService('payment-service', { ...paymentEnv, PAYMENT_TEST_HOLD_AFTER_CHARGE_MS: '600000' });
      const [order] = (await driveOrders(system.url('order-service'), 1, { tag: 'charge-commit' })).accepted;
      const charges = async () =>
        (await sql<{ n: number }>(system.database.url, 'select count(*)::int as n from payments.gateway_charges where order_id = $1', [order.id]))[0]
          .n;
      const paymentRows = async () =>
        (await sql<{ n: number }>(system.database.url, 'select count(*)::int as n from payments.payments where order_id = $1', [order.id]))[0].n;
      const deadline = Date.now() + 30_000;
      while ((await charges()) === 0 && Date.now() < deadline) await sleep(100);
      const held = (await consumerStates(system.natsUrl, 'payment-service')).find((c) => c.durable === 'payment-service__inventory_reserved');
      const before = { charges: await charges(), paymentRows: await paymentRows(), heldUnacked: held?.ackPending ?? 0 };
      const victim = system.services.get('payment-service')!;
      await victim.stop('SIGKILL');
      expect(victim.process.signalCode).toBe('SIGKILL');
      // Charged by the gateway, not committed by the service, the reserved event still unacknowledged.
      expect(before).toEqual({ charges: 1, paymentRows: 0, heldUnacked: 1 });
      step(`charge-commit: payment-service killed holding order ${order.id} after its charge`);

      await system.startService('payment-service', paymentEnv);
      const final = await finalOrder(system.url('order-service'), order.id, 60_000, system.logs);
      expect(final.status).toBe('CONFIRMED');
      // The redelivery asked the gateway again under the same idempotency key: one charge, and its transaction id is
      // the one the payment recorded (auditOrders compares them).
      const audit = await auditOrders(system, [order], 60_000);
      step(`charge-commit: audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}, ${await charges()} charge(s)`);
      const extra = (await charges()) === 1 ? [] : [`order ${order.id} was charged ${await charges()} times`];
      const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
      if (dlq !== 0) extra.push(`${dlq} dead letter(s) written`);
      return assertAudit(audit, dlq, extra);
    });
  }, 180_000);
});
