import type { ServiceName } from '../support/stack';
import { type RunningSystem, startSystem } from '../support/system';
import {
  acceptedGate,
  assertAudit,
  auditOrders,
  DECLINE_ABOVE,
  dlqCount,
  driveOrders,
  exitedServices,
  FAULT_ENV,
  printSummary,
  scenario,
  sleep,
  step,
  stockProblems,
} from './fault-support';

/**
 * A service is SIGKILLed (no graceful shutdown: in-flight handlers, unacked messages and open transactions are cut
 * off) in the middle of a stream of orders, then restarted. Every accepted order must still end in the state its
 * price dictates, with each step done exactly once.
 */
describe('fault: SIGKILL a service mid-stream and restart it', () => {
  let system: RunningSystem;
  const ORDERS_PER_ROUND = 24;

  beforeAll(async () => {
    system = await startSystem({ env: FAULT_ENV, serviceEnv: { 'payment-service': { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) } } });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    printSummary();
  }, 60_000);

  const victims: ServiceName[] = ['inventory-service', 'payment-service', 'notification-service', 'order-service'];

  it.each(victims)('SIGKILL %s', async (victim) => {
    await scenario(`SIGKILL ${victim}`, async (signal) => {
      const dlqBefore = await dlqCount(system.natsUrl);
      const gate = acceptedGate(ORDERS_PER_ROUND / 3);
      const api = system.url('order-service');
      const stream = driveOrders(api, ORDERS_PER_ROUND, { tag: `kill-${victim}`, concurrency: 3, pauseMs: 50, onAccepted: gate.onAccepted, signal });
      await gate.reached;
      step(`${victim}: SIGKILL`);
      const killed = system.services.get(victim)!;
      await killed.stop('SIGKILL');
      expect(killed.process.signalCode).toBe('SIGKILL');
      await sleep(1000); // the stream goes on without it for a moment
      await system.startService(victim);
      step(`${victim}: restarted`);
      const { accepted, statuses } = await stream;
      expect(accepted).toHaveLength(ORDERS_PER_ROUND);
      if (victim !== 'order-service') expect([...statuses.keys()].filter((s) => s >= 500 || s === 0)).toEqual([]);

      step(`${victim}: ${accepted.length} accepted; auditing`);
      const audit = await auditOrders(system, accepted, 120_000);
      step(`${victim}: audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}`);
      const extra = [...(await stockProblems(system)), ...exitedServices(system).map((name) => `${name} exited`)];
      const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
      if (dlq !== 0) extra.push(`${dlq} dead letter(s) written`);
      return assertAudit(audit, dlq, extra);
    });
  }, 240_000);
});
