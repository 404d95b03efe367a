/**
 * Issue 14 against a real nats-server started with docker/nats/nats-server.conf: every service provisions what
 * it owns and binds its durables under its own user (with the library's own provisioner and dead-letterer), and
 * what a user does not own is refused by the server: forged events never reach the stream, foreign streams cannot be
 * deleted, foreign durables cannot be pulled, foreign inboxes cannot be read. ops lists and reads everything and
 * runs `npm run dlq`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { Streams } from '@app/contracts';
import { Logger } from '@nestjs/common';
import { AckPolicy, ErrorCode, Events, type NatsConnection, type StreamState } from 'nats';

import { EventCatalog } from '../../libs/contracts/src/events/event-catalog';
import { ALL_SUBJECTS, streamForSubject } from '../../libs/contracts/src/subjects';
import { DeadLetterer } from '../../libs/messaging/src/consumer/dead-letterer';
import { JetStreamProvisioner } from '../../libs/messaging/src/jetstream.provisioner';
import { DLQ_STREAM_NAME } from '../../libs/messaging/src/messaging.constants';
import { durableName, type ResolvedMessagingOptions, resolveMessagingOptions } from '../../libs/messaging/src/messaging.options';
import { NatsConnectionManager } from '../../libs/messaging/src/nats-connection.manager';
import { type CliIo, runCli } from '../../tools/dlq';
import { type ServiceName, SERVICES } from '../support/stack';
import { type SecuredNats, startSecuredNats } from './support/bus-users';

const CONSUMER_SETTINGS = { concurrency: 1, ackWaitMs: 30_000, maxDeliver: 5, backoffMs: [1000] };

/** The durables a service runs, from the event catalog (the same table the AsyncAPI document is built from). */
function durablesOf(service: ServiceName): { stream: string; subject: string; durable: string }[] {
  return ALL_SUBJECTS.filter((subject) => EventCatalog[subject].consumers.includes(service)).map((subject) => ({
    stream: streamForSubject(subject)!.name,
    subject,
    durable: durableName(service, subject),
  }));
}

/** The stream holding the events a service produces. */
const ownedStreamOf = (service: ServiceName) =>
  Streams.find((stream) =>
    ALL_SUBJECTS.some((subject) => EventCatalog[subject].producer === service && streamForSubject(subject)?.name === stream.name),
  )!;

/** Collects the permission violations the server reports on a connection. */
function violations(nc: NatsConnection): { operation: string; subject: string }[] {
  const seen: { operation: string; subject: string }[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === Events.Error && s.permissionContext) seen.push(s.permissionContext);
  })();
  return seen;
}

/** Subscribes and reports how the server answered: a permissions violation, or nothing within the wait. */
async function subscribeOutcome(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const outcome = (async () => {
    try {
      for await (const _ of sub) return 'message';
      return 'closed';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  })();
  await nc.flush();
  return Promise.race([outcome, sleep(1500).then(() => 'accepted')]);
}

describe('bus permissions (nats-server with docker/nats/nats-server.conf)', () => {
  let bus: SecuredNats;
  let ops: NatsConnection;
  const services = new Map<ServiceName, { manager: NatsConnectionManager; options: ResolvedMessagingOptions; provisioner: JetStreamProvisioner }>();

  const state = async (stream: string): Promise<StreamState> => (await (await ops.jetstreamManager()).streams.info(stream)).state;

  beforeAll(async () => {
    // The refusals below are meant to happen; the library would log each one as an error.
    Logger.overrideLogger(false);
    bus = await startSecuredNats();
    ops = await bus.connectAs('ops');
    // Each service as in production: its options resolved by the library (inbox prefix included), its own user.
    for (const { name } of SERVICES) {
      const options = resolveMessagingOptions({
        serviceName: name,
        connection: { servers: bus.server.url, user: name, pass: bus.passwords[name], reconnectTimeWaitMs: 200 },
        streams: [ownedStreamOf(name)],
        codec: {
          encode: () => ({ subject: '', msgId: '', data: new Uint8Array() }),
          decode: () => ({ ok: false, kind: 'invalid', reason: 'unused' }),
        },
        consumer: CONSUMER_SETTINGS,
      });
      const manager = new NatsConnectionManager({ name, ...options.connection });
      await manager.connect();
      services.set(name, { manager, options, provisioner: new JetStreamProvisioner(manager) });
    }
    for (const { name } of SERVICES) await services.get(name)!.provisioner.ensureStreams(services.get(name)!.options.streams, true);
    for (const { name } of SERVICES) {
      for (const d of durablesOf(name)) await services.get(name)!.provisioner.ensureConsumer(d.stream, d.durable, d.subject, CONSUMER_SETTINGS);
    }
  }, 60_000);

  afterAll(async () => {
    for (const { manager } of services.values()) await manager.drain().catch(() => undefined);
    await bus?.stop();
  });

  it('lets every service create its own stream, the DLQ and each of its durables, and nothing is left unbound', async () => {
    const jsm = await ops.jetstreamManager();
    expect((await jsm.streams.names().next()).sort()).toEqual([...Streams.map((s) => s.name), DLQ_STREAM_NAME].sort());
    for (const { name } of SERVICES) {
      for (const d of durablesOf(name)) expect((await jsm.consumers.info(d.stream, d.durable)).config.filter_subject).toBe(d.subject);
    }
  });

  it("refuses a connection without credentials or with another user's password", async () => {
    await expect(bus.connectAs('order-service', { user: undefined, pass: undefined })).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
    await expect(bus.connectAs('order-service', { pass: bus.passwords['payment-service'] })).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
  });

  it("refuses payments.completed from inventory-service's credentials: a permissions violation, never stored in PAYMENTS", async () => {
    const nc = await bus.connectAs('inventory-service');
    const refused = violations(nc);
    const before = await state('PAYMENTS');
    nc.publish('payments.completed', JSON.stringify({ type: 'payments.completed', forged: true }));
    await expect(nc.jetstream().publish('payments.completed', 'forged', { msgID: 'forged-1', timeout: 3000 })).rejects.toMatchObject({
      code: ErrorCode.PermissionsViolation,
    });
    await nc.flush();
    await sleep(300);
    expect(refused).toContainEqual({ operation: 'publish', subject: 'payments.completed' });
    const after = await state('PAYMENTS');
    expect({ messages: after.messages, last: after.last_seq }).toEqual({ messages: before.messages, last: before.last_seq });
    // The owner still publishes there.
    await expect(services.get('payment-service')!.manager.jetstream().publish('payments.completed', 'real')).resolves.toMatchObject({
      stream: 'PAYMENTS',
    });
  });

  it("refuses inventory.reserved from order-service, and dead letters under another service's name", async () => {
    const js = services.get('order-service')!.manager.jetstream();
    const before = await state('INVENTORY');
    await expect(js.publish('inventory.reserved', 'forged', { timeout: 3000 })).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await expect(js.publish('dlq.payment-service.inventory.reserved', 'forged', { timeout: 3000 })).rejects.toMatchObject({
      code: ErrorCode.PermissionsViolation,
    });
    expect((await state('INVENTORY')).last_seq).toBe(before.last_seq);
  });

  it('refuses to let inventory-service delete or purge ORDERS, or delete its own stream', async () => {
    const jsm = await services.get('inventory-service')!.manager.jetstreamManager();
    await expect(jsm.streams.delete('ORDERS')).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await expect(jsm.streams.purge('ORDERS')).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await expect(jsm.streams.delete('INVENTORY')).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    expect((await (await ops.jetstreamManager()).streams.info('ORDERS')).config.name).toBe('ORDERS');
  });

  it("refuses notification-service a pull from payment-service's durable, and a look at its inbox", async () => {
    await services.get('inventory-service')!.manager.jetstream().publish('inventory.reserved', 'for payment-service');
    const durable = durableName('payment-service', 'inventory.reserved');
    const opsJsm = await ops.jetstreamManager();
    const before = await opsJsm.consumers.info('INVENTORY', durable);
    const nc = await bus.connectAs('notification-service');
    await expect(nc.jetstream().consumers.get('INVENTORY', durable)).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await expect(nc.request(`$JS.API.CONSUMER.MSG.NEXT.INVENTORY.${durable}`, JSON.stringify({ batch: 1 }), { timeout: 3000 })).rejects.toMatchObject(
      {
        code: ErrorCode.PermissionsViolation,
      },
    );
    expect(await subscribeOutcome(nc, '_INBOX_payment-service.>')).toBe(ErrorCode.PermissionsViolation);
    const after = await opsJsm.consumers.info('INVENTORY', durable);
    expect(after.delivered.stream_seq).toBe(before.delivered.stream_seq);
    expect(after.num_pending).toBe(before.num_pending);
  });

  it('keeps every service inbox private: no other user, ops included, may subscribe to it', async () => {
    for (const { name: owner } of SERVICES) {
      for (const user of ['order-service', 'inventory-service', 'payment-service', 'notification-service', 'ops'] as const) {
        if (user === owner) continue;
        const nc = await bus.connectAs(user);
        expect({ user, inbox: owner, outcome: await subscribeOutcome(nc, `_INBOX_${owner}.>`) }).toEqual({
          user,
          inbox: owner,
          outcome: ErrorCode.PermissionsViolation,
        });
        await nc.close();
      }
    }
  }, 60_000);

  it('lets ops list streams and consumers and read any stream, but not delete a service stream or pull from its durable', async () => {
    const jsm = await ops.jetstreamManager();
    expect((await jsm.streams.list().next()).map((s) => s.config.name).sort()).toEqual([...Streams.map((s) => s.name), DLQ_STREAM_NAME].sort());
    expect((await jsm.consumers.list('ORDERS').next()).map((c) => c.name).sort()).toEqual(
      [...durablesOf('inventory-service'), ...durablesOf('notification-service')].map((d) => d.durable).sort(),
    );
    await services.get('payment-service')!.manager.jetstream().publish('payments.failed', 'read by ops');
    expect((await jsm.streams.getMessage('PAYMENTS', { last_by_subj: 'payments.failed' })).string()).toBe('read by ops');
    await expect(jsm.streams.delete('PAYMENTS')).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await expect(jsm.consumers.delete('INVENTORY', durableName('payment-service', 'inventory.reserved'))).rejects.toMatchObject({
      code: ErrorCode.PermissionsViolation,
    });
    await expect(
      ops.request(`$JS.API.CONSUMER.MSG.NEXT.INVENTORY.${durableName('payment-service', 'inventory.reserved')}`, JSON.stringify({ batch: 1 }), {
        timeout: 3000,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
  });

  it('parks a delivery that ran out of attempts (max-deliveries advisory, message fetched by sequence) under inventory-service', async () => {
    const inventory = services.get('inventory-service')!;
    const durable = durableName('inventory-service', 'orders.confirmed');
    // One delivery, one second to ack it: the pull below never acks, so the server gives up and says so.
    await inventory.provisioner.ensureConsumer('ORDERS', durable, 'orders.confirmed', { ...CONSUMER_SETTINGS, ackWaitMs: 1000, maxDeliver: 1 });
    const parked: string[] = [];
    const deadLetters = new DeadLetterer(inventory.options, inventory.manager, new Logger('test'));
    deadLetters.watchMaxDeliveries('ORDERS', durable, (subject) => parked.push(subject));
    await inventory.manager.connection.flush();
    await services.get('order-service')!.manager.jetstream().publish('orders.confirmed', 'never acked', { msgID: 'never-acked-1' });
    const messages = await (await inventory.manager.jetstream().consumers.get('ORDERS', durable)).consume({ max_messages: 1, expires: 2000 });
    void (async () => {
      for await (const _ of messages); // taken, never acked
    })();
    const deadline = Date.now() + 15_000;
    while (parked.length === 0 && Date.now() < deadline) await sleep(200);
    messages.stop();
    deadLetters.stop();
    expect(parked).toEqual(['orders.confirmed']);
    const stored = await (
      await ops.jetstreamManager()
    ).streams.getMessage(DLQ_STREAM_NAME, { last_by_subj: 'dlq.inventory-service.orders.confirmed' });
    expect(stored.string()).toBe('never acked');
  }, 30_000);

  it('runs npm run dlq (list, replay, purge) as ops', async () => {
    const inventory = services.get('inventory-service')!;
    const source = { headers: undefined, subject: 'orders.created', stream: 'ORDERS', streamSequence: 1, reason: 'poison', deliveryCount: 1 };
    await new DeadLetterer(inventory.options, inventory.manager, new Logger('test')).park(
      { ...source, consumer: durableName('inventory-service', 'orders.created') },
      new TextEncoder().encode('{}'),
    );
    const out: string[] = [];
    const io: CliIo = {
      out: (line) => out.push(line),
      err: (line) => out.push(`ERR ${line}`),
      confirm: () => Promise.resolve(false),
      env: { NATS_URL: bus.server.url, NATS_USER: 'ops', NATS_PASSWORD: bus.passwords.ops },
    };
    expect(await runCli(['list'], io)).toBe(0);
    expect(out.join('\n')).toContain('inventory-service__orders_created');
    const seq = (await (await ops.jetstreamManager()).streams.getMessage(DLQ_STREAM_NAME, { last_by_subj: 'dlq.inventory-service.orders.created' }))
      .seq;
    const ordersBefore = await state('ORDERS');
    expect(await runCli(['replay', String(seq)], io)).toBe(0);
    expect((await state('ORDERS')).last_seq).toBe(ordersBefore.last_seq + 1);
    await inventory.manager.jetstream().publish('dlq.inventory-service.orders.created', 'another');
    expect(await runCli(['purge', '--yes'], io)).toBe(0);
    expect((await state(DLQ_STREAM_NAME)).messages).toBe(0);
    expect(out.filter((line) => line.startsWith('ERR'))).toEqual([]);
  });

  it('leaves a DLQ that ops changed as it is when a service starts (it may create the DLQ, not update it)', async () => {
    const jsm = await ops.jetstreamManager();
    await jsm.streams.update(DLQ_STREAM_NAME, { description: 'changed by ops' });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const inventory = services.get('inventory-service')!;
      await expect(inventory.provisioner.ensureStreams(inventory.options.streams, true)).resolves.toHaveLength(2);
      expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(expect.stringContaining('stream DLQ differs'));
    } finally {
      warn.mockRestore();
    }
    expect((await jsm.streams.info(DLQ_STREAM_NAME)).config.description).toBe('changed by ops');
  });

  it('lets a service pull, ack and dead-letter on its own durable with its own inbox', async () => {
    const payment = services.get('payment-service')!;
    const durable = durableName('payment-service', 'inventory.reserved');
    await services.get('inventory-service')!.manager.jetstream().publish('inventory.reserved', 'for payment-service');
    const consumer = await payment.manager.jetstream().consumers.get('INVENTORY', durable);
    const msg = await consumer.next({ expires: 2000 });
    expect(msg?.subject).toBe('inventory.reserved');
    expect(await msg!.ackAck()).toBe(true);
    expect(payment.manager.connection.info?.auth_required).toBe(true);
    await expect(
      new DeadLetterer(payment.options, payment.manager, new Logger('test')).park(
        {
          headers: undefined,
          subject: 'inventory.reserved',
          stream: 'INVENTORY',
          streamSequence: msg!.seq,
          reason: 'test',
          deliveryCount: 1,
          consumer: durable,
        },
        msg!.data,
      ),
    ).resolves.toBe('dlq.payment-service.inventory.reserved');
    expect((await (await ops.jetstreamManager()).consumers.info('INVENTORY', durable)).config.ack_policy).toBe(AckPolicy.Explicit);
  });
});
