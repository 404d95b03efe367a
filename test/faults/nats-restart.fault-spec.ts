import { setTimeout as sleep } from 'node:timers/promises';

import { SERVICES } from '../support/stack';
import { eventually, type RunningSystem, startSystem } from '../support/system';
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
  step,
  stockProblems,
} from './fault-support';

const readyStatus = async (url: string) => {
  try {
    return (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 0;
  }
};

/**
 * The broker goes away in the middle of a stream of orders and comes back on the same port with the same store.
 * The API keeps accepting (the outbox holds the events), readiness reports 503 while NATS is gone and 200 once the
 * services reconnected by themselves, and every accepted order completes exactly once.
 */
describe('fault: restart the NATS server mid-stream', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem({ env: FAULT_ENV, serviceEnv: { 'payment-service': { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) } } });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    printSummary();
  }, 60_000);

  it.each([['SIGTERM'], ['SIGKILL']] as [NodeJS.Signals][])(
    'NATS stopped with %s, orders keep coming, NATS back',
    async (signal) => {
      await scenario(`NATS restart (${signal})`, async (abort) => {
        const dlqBefore = await dlqCount(system.natsUrl);
        const api = system.url('order-service');
        const gate = acceptedGate(8);
        const stream = driveOrders(api, 30, { tag: `nats-${signal}`, concurrency: 2, pauseMs: 100, onAccepted: gate.onAccepted, signal: abort });
        await gate.reached;
        await system.stopNats(signal);
        step(`NATS stopped (${signal})`);
        // Every service reports not ready while the broker is gone.
        for (const { name } of SERVICES) {
          await eventually(
            async () => ((await readyStatus(system.url(name))) === 503 ? true : undefined),
            30_000,
            () => `${name} readiness never turned 503`,
          );
        }
        step('all four not ready (503)');
        // Orders placed while the broker is provably gone (every service reports it): each must be accepted at once.
        const whileDown = await driveOrders(api, 6, { tag: `nats-down-${signal}`, concurrency: 2, retryForMs: 0 });
        expect({ accepted: whileDown.accepted.length, refused: Object.fromEntries(whileDown.statuses), retries: whileDown.retries }).toEqual({
          accepted: 6,
          refused: {},
          retries: 0,
        });
        step('6 orders accepted while NATS was down');
        await sleep(1000);
        await system.restartNats();
        step('NATS restarted');
        for (const { name } of SERVICES) {
          await eventually(
            async () => ((await readyStatus(system.url(name))) === 200 ? true : undefined),
            60_000,
            () => `${name} readiness never came back\n${system.logs()}`,
          );
        }
        step('all four ready again');
        const { accepted, statuses } = await stream;
        expect(accepted).toHaveLength(30);
        // The API never refused an order of the stream either, across the stop and the restart.
        expect(Object.fromEntries(statuses)).toEqual({});

        const audit = await auditOrders(system, [...accepted, ...whileDown.accepted], 120_000);
        step(`audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}`);
        const extra = [...(await stockProblems(system)), ...exitedServices(system).map((name) => `${name} exited`)];
        const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
        if (dlq !== 0) extra.push(`${dlq} dead letter(s) written`);
        return assertAudit(audit, dlq, extra);
      });
    },
    240_000,
  );
});
