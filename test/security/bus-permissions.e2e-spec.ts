/**
 * Issue 14 end to end: the four built services against a nats-server running docker/nats/nats-server.conf, each on
 * its own NATS user. The saga must work with nothing but the permissions that file grants: a single refused
 * subject (a consumer it may not create, an advisory it may not watch, a reply it may not receive) would show as a
 * service that never gets ready, an order that stays PENDING, or a permissions violation in a service's log.
 */
import { randomUUID } from 'node:crypto';

import { connect, type NatsConnection } from 'nats';

import { EventCatalog } from '../../libs/contracts/src/events/event-catalog';
import { ALL_SUBJECTS, streamForSubject } from '../../libs/contracts/src/subjects';
import { durableName } from '../../libs/messaging/src/messaging.options';
import { SERVICES } from '../support/stack';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';
import { NATS_CONFIG, serverEnv, serviceEnv, testPasswords } from './support/bus-users';

describe('order saga with a NATS user per service (docker/nats/nats-server.conf)', () => {
  const passwords = testPasswords();
  let system: RunningSystem;
  let ops: NatsConnection;

  beforeAll(async () => {
    system = await startSystem({ natsServer: { config: NATS_CONFIG, env: serverEnv(passwords) }, serviceEnv: serviceEnv(passwords) });
    ops = await connect({ servers: system.natsUrl, name: 'bus-permissions-e2e', user: 'ops', pass: passwords.ops });
  }, 240_000);

  afterAll(async () => {
    await ops?.close();
    await system?.stop();
  }, 60_000);

  /** Permission violations any service logged (the server's refusal reaches the client as an async error). */
  const refusals = () =>
    SERVICES.flatMap(({ name }) =>
      (system.services.get(name)?.output() ?? '')
        .split('\n')
        .filter((line) => /permissions[ _]violation/i.test(line))
        .map((line) => `${name}: ${line.slice(0, 300)}`),
    );

  it('confirms an order and notifies the customer, every service on its own user, with nothing refused', async () => {
    const created = await postOrder(system.url('order-service'), {
      customerId: `c-${randomUUID().slice(0, 8)}`,
      currency: 'EUR',
      items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 1250 }],
    });
    expect(created.status).toBe(201);
    const final = await finalOrder(system.url('order-service'), created.body.id, 60_000, system.logs);
    expect(final.status).toBe('CONFIRMED');
    await eventually(
      async () => {
        const { body } = await getJson(`${system.url('order-service')}/orders/${created.body.id}`);
        return body.history.some((h: { type: string }) => h.type === 'notifications.sent') ? true : undefined;
      },
      30_000,
      () => `notifications.sent never reached the order history\n${system.logs()}`,
    );

    // Every durable of the saga is bound, by the service it belongs to.
    const jsm = await ops.jetstreamManager();
    for (const subject of ALL_SUBJECTS) {
      for (const consumer of EventCatalog[subject].consumers) {
        const info = await jsm.consumers.info(streamForSubject(subject)!.name, durableName(consumer, subject));
        expect(info.config.filter_subject).toBe(subject);
      }
    }
    expect(refusals()).toEqual([]);
  });

  it("parks a poison event in the DLQ under the consuming service's own subject", async () => {
    // ops may publish saga subjects (npm run dlq replays there); this payload is no CloudEvent at all.
    await ops.jetstream().publish('orders.created', 'not a cloud event', { msgID: `poison-${randomUUID()}` });
    const jsm = await ops.jetstreamManager();
    const parked = await eventually(
      () => jsm.streams.getMessage('DLQ', { last_by_subj: 'dlq.inventory-service.orders.created' }),
      30_000,
      () => `no dead letter from inventory-service\n${system.logs()}`,
    );
    expect(parked.string()).toBe('not a cloud event');
    expect(refusals()).toEqual([]);
  });
});
