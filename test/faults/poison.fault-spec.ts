import { randomUUID } from 'node:crypto';

import { connect, headers as natsHeaders, type NatsConnection } from 'nats';

import { createEvent, type Subject } from '../../libs/contracts/src';
import { dataOf } from '../../libs/contracts/src/testing/event-fixtures';
import { DeadLetterStore } from '../../libs/messaging/src/dlq/dead-letters';
import { type CliIo, runCli } from '../../tools/dlq';
import { eventually, finalOrder, type RunningSystem, startSystem } from '../support/system';
import {
  assertAudit,
  auditOrders,
  consumersIdle,
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

/** Which durable consumers read each subject (service -> subjects), as wired in apps/*\/src. */
const CONSUMERS: Record<string, Subject[]> = {
  'inventory-service': ['orders.created', 'orders.cancelled', 'orders.confirmed'],
  'notification-service': ['orders.confirmed', 'orders.cancelled'],
  'order-service': ['inventory.reserved', 'inventory.rejected', 'inventory.released', 'payments.completed', 'payments.failed', 'notifications.sent'],
  'payment-service': ['inventory.reserved'],
};
const SUBJECTS = [...new Set(Object.values(CONSUMERS).flat())];
const consumersOf = (subject: string) => Object.keys(CONSUMERS).filter((service) => CONSUMERS[service].includes(subject as Subject));

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** The four kinds of poison, for one subject. Each must be dead-lettered once by every consumer of the subject. */
function poisonFor(subject: Subject): { kind: string; data: Uint8Array; expect: RegExp }[] {
  const valid = () => createEvent(subject, dataOf(subject) as never, { source: 'fault-test' }) as unknown as Record<string, unknown>;
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const garbage = new Uint8Array(512);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
  const wrongShape = { ...valid(), data: { orderId: 42, items: 'lots', surprise: { nested: [1, 2, 3] } } };
  const newerVersion = { ...valid(), dataversion: '99' };
  // Just under the broker's 1 MiB max payload: a huge value in a bounded field.
  const oversized = { ...valid(), data: { ...(valid().data as object), orderId: 'x'.repeat(1_000_000) } };
  return [
    { kind: 'garbage bytes', data: garbage, expect: /^malformed/ },
    { kind: 'wrong shape', data: encode(wrongShape), expect: /^invalid/ },
    { kind: 'unsupported dataversion', data: encode(newerVersion), expect: /^unsupported-version/ },
    { kind: 'oversized', data: encode(oversized), expect: /^invalid/ },
  ];
}

function io(natsUrl: string, answer = false) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), confirm: async () => answer, env: { NATS_URL: natsUrl } };
  return { cli, out, err };
}

/**
 * Poison on every subject the services consume, while real orders flow: every poison message is dead-lettered
 * exactly once per consumer, no service crashes, every order still completes. Then the dead-letter command works on
 * these real dead letters, and a dead letter that can now be processed is replayed and completes its order.
 */
describe('fault: poison messages on every consumed subject', () => {
  let system: RunningSystem;
  let nc: NatsConnection;

  beforeAll(async () => {
    system = await startSystem({
      env: FAULT_ENV,
      serviceEnv: {
        'payment-service': { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) },
        // a failing inventory handler goes to the DLQ on its second delivery (see the replay test)
        'inventory-service': { NATS_MAX_DELIVER: '2' },
      },
    });
    nc = await connect({ servers: system.natsUrl, name: 'poison-injector' });
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    printSummary();
  }, 60_000);

  it('each poison message lands in the DLQ once per consumer; the saga keeps flowing', async () => {
    await scenario('poison on 9 subjects x 4 kinds', async (signal) => {
      const dlqBefore = await dlqCount(system.natsUrl);
      const api = system.url('order-service');
      const stream = driveOrders(api, 20, { tag: 'poison', concurrency: 2, pauseMs: 100, signal });

      let expected = 0;
      const problems: string[] = [];
      for (const subject of SUBJECTS) {
        for (const poison of poisonFor(subject)) {
          const h = natsHeaders();
          h.set('traceparent', TRACEPARENT);
          h.set('x-poison-kind', poison.kind);
          await nc.jetstream().publish(subject, poison.data, { headers: h, msgID: randomUUID() });
          expected += consumersOf(subject).length;
        }
      }
      // Over the broker's max payload: refused at the door, so it can never reach a consumer.
      const tooBig = new Uint8Array(nc.info!.max_payload + 1);
      await expect(nc.jetstream().publish('orders.created', tooBig, { msgID: randomUUID() })).rejects.toThrow(/MAX_PAYLOAD_EXCEEDED|payload/i);
      step(`published ${SUBJECTS.length * 4} poison messages; expecting ${expected} dead letters`);

      await eventually(
        async () => ((await dlqCount(system.natsUrl)) - dlqBefore >= expected ? true : undefined),
        90_000,
        () => `DLQ never reached ${expected} entries\n${system.logs()}`,
      );
      const { accepted } = await stream;
      const audit = await auditOrders(system, accepted, 120_000);
      // A late duplicate dead letter needs a message still outstanding (unacked, or not yet delivered) somewhere: wait
      // until no consumer has one, after which the server has nothing left to redeliver, then count.
      await eventually(
        async () => ((await consumersIdle(system.natsUrl)) ? true : undefined),
        60_000,
        () => 'consumers still hold messages',
      );
      const store = await DeadLetterStore.over(nc);
      const letters = (await store.list()).filter((l) => l.headers['x-poison-kind']);
      // once per (consumer, subject, kind)
      for (const subject of SUBJECTS) {
        for (const service of consumersOf(subject)) {
          for (const poison of poisonFor(subject)) {
            const found = letters.filter((l) => l.subject === `dlq.${service}.${subject}` && l.headers['x-poison-kind']?.[0] === poison.kind);
            if (found.length !== 1) problems.push(`${poison.kind} on ${subject} for ${service}: ${found.length} dead letters`);
            else {
              const [letter] = found;
              if (!poison.expect.test(letter.error ?? '')) problems.push(`${poison.kind} on ${subject} for ${service}: error "${letter.error}"`);
              if (letter.headers.traceparent?.[0] !== TRACEPARENT)
                problems.push(`${poison.kind} on ${subject} for ${service}: trace context not kept`);
              if (letter.deliveryCount !== 1)
                problems.push(`${poison.kind} on ${subject} for ${service}: dead-lettered on delivery ${letter.deliveryCount}`);
            }
          }
        }
      }
      const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
      if (dlq !== expected) problems.push(`DLQ grew by ${dlq}, expected ${expected}`);
      problems.push(...(await stockProblems(system)), ...exitedServices(system).map((name) => `${name} exited`));
      for (const [name] of system.services) {
        const live = await fetch(`${system.url(name)}/health/live`)
          .then((r) => r.status)
          .catch(() => 0);
        if (live !== 200) problems.push(`${name} /health/live answered ${live}`);
      }
      step(`audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}; ${problems.length} poison problem(s)`);
      return assertAudit(audit, dlq, problems);
    });
  }, 300_000);

  it('the dlq command lists, shows and purges these real dead letters', async () => {
    const list = io(system.natsUrl);
    expect(await runCli(['list', '--subject', 'payments.*'], list.cli)).toBe(0);
    // payments.completed and payments.failed, 4 kinds each, one consumer (order-service)
    expect(list.out.at(-1)).toBe('8 of 8 dead letter(s) for payments.*');
    expect(list.out.slice(1, -1).every((l) => /order-service__payments_(completed|failed)/.test(l))).toBe(true);

    const seq = Number(list.out[1].split(/\s+/)[0]);
    const show = io(system.natsUrl);
    expect(await runCli(['show', String(seq)], show.cli)).toBe(0);
    expect(show.out.join('\n')).toMatch(/dlq-original-subject: payments\.(completed|failed)/);
    expect(show.out.join('\n')).toContain(`traceparent: ${TRACEPARENT}`);

    const purge = io(system.natsUrl);
    expect(await runCli(['purge', '--subject', 'payments.*', '--yes'], purge.cli)).toBe(0);
    expect(purge.out).toEqual(['purged 8 dead letter(s)']);
    const after = io(system.natsUrl);
    await runCli(['list', '--subject', 'payments.*'], after.cli);
    expect(after.out).toEqual(['no dead letters for payments.*']);
  });

  it('a dead letter that can now be processed is replayed and completes its order', async () => {
    await scenario('DLQ replay completes a stuck order', async () => {
      const db = system.database.url;
      // Break inventory's store for a moment: the orders.created handler fails twice and is dead-lettered.
      await sql(db, 'ALTER TABLE inventory.reservations RENAME TO reservations_broken');
      let orderId: string;
      try {
        orderId = (await driveOrders(system.url('order-service'), 1, { tag: 'replay' })).accepted[0].id;
        const store = await DeadLetterStore.over(nc);
        const letter = await eventually(
          async () =>
            (await store.list({ subject: 'orders.created' })).find((l) => {
              try {
                return JSON.parse(Buffer.from(l.data).toString('utf8')).data.orderId === orderId;
              } catch {
                return false;
              }
            }),
          60_000,
          () => `the order's orders.created never reached the DLQ\n${system.logs()}`,
        );
        expect(letter.error).toMatch(/^max deliveries \(2\) exhausted/);
        expect(letter.consumer).toBe('inventory-service__orders_created');
        step(`order ${orderId} dead-lettered at DLQ #${letter.seq}: ${letter.error}`);
      } finally {
        await sql(db, 'ALTER TABLE inventory.reservations_broken RENAME TO reservations');
      }
      const { status } = await fetch(`${system.url('order-service')}/orders/${orderId}`).then(async (r) => ({
        status: ((await r.json()) as { status: string }).status,
      }));
      expect(status).toBe('PENDING');

      const store = await DeadLetterStore.over(nc);
      const seq = (await store.list({ subject: 'orders.created' })).find((l) => Buffer.from(l.data).toString('utf8').includes(orderId))!.seq;
      const replay = io(system.natsUrl);
      expect(await runCli(['replay', String(seq)], replay.cli)).toBe(0);
      expect(replay.out[0]).toMatch(new RegExp(`^replayed ${seq} -> orders.created \\(ORDERS #\\d+`));

      const final = await finalOrder(system.url('order-service'), orderId, 60_000, system.logs);
      expect(final.status).toBe('CONFIRMED');
      const audit = await auditOrders(
        system,
        [
          {
            id: orderId,
            plan: { key: '', sku: 'SKU-001', quantity: 1, declined: false, body: { customerId: 'fault-replay-0', currency: 'EUR', items: [] } },
          },
        ],
        60_000,
      );
      await expect(store.get(seq)).rejects.toThrow(/no dead letter/);
      return assertAudit(audit, 1);
    });
  }, 120_000);
});
