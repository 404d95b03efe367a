/**
 * Lifecycle of the JetStream transport against real nats-servers: graceful shutdown, the shutdown deadline, a crash
 * mid-handler, binding to a stream another service creates later, two replicas sharing a consumer, and a NATS
 * server restart (on a nats-server this test starts itself; the shared one is never touched).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { MessagingHealth, type MessagingModuleOptions } from '@app/messaging';
import { Global, Module } from '@nestjs/common';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';

import { ConnectionClosedError, PublishTimeoutError } from '../../libs/messaging/src/errors/messaging.errors';
import { MESSAGING_INSTRUMENTATION } from '../../libs/messaging/src/messaging.constants';
import type { DeadLetterInfo, MessagingInstrumentation, PublishInfo, SettledInfo } from '../../libs/messaging/src/messaging.instrumentation';
import { durableName } from '../../libs/messaging/src/messaging.options';
import { canConnect, freePort, type NatsServerProcess, startNatsServer } from '../support/stack';
import { jsonTestCodec, type TestEvent } from './support/json.codec';
import { type MessagingTestApp, startMessagingTestApp, subjectsFor } from './support/messaging-test.app';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let nextId = 0;
function event(type: string, data: Record<string, unknown> = {}): TestEvent {
  return { id: `${RUN}-${++nextId}`, type, data };
}

/** A unique (prefix, stream, service) per test so tests never share consumers. */
function scope(tag: string) {
  const prefix = `ml${RUN}${tag}`;
  return { prefix, stream: `ML_${RUN}_${tag}`, service: `svc${RUN}${tag}`, subjects: subjectsFor(prefix) };
}

function options(sc: ReturnType<typeof scope>, overrides: Partial<MessagingModuleOptions> = {}): MessagingModuleOptions {
  return {
    serviceName: sc.service,
    connection: { servers: NATS_URL, name: `messaging-lifecycle-${RUN}`, reconnectTimeWaitMs: 200, reconnectJitterMs: 50 },
    streams: [{ name: sc.stream, subjects: [`${sc.prefix}.>`] }],
    dlq: true,
    codec: jsonTestCodec,
    consumer: { concurrency: 4, ackWaitMs: 5000, maxDeliver: 5, backoffMs: [200] },
    shutdownTimeoutMs: 5000,
    ...overrides,
  };
}

describe('JetStream transport lifecycle (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const apps: MessagingTestApp[] = [];
  const streams: string[] = [];

  async function start(
    sc: ReturnType<typeof scope>,
    overrides: Partial<MessagingModuleOptions> = {},
    extraImports: Parameters<typeof startMessagingTestApp>[3] = [],
  ): Promise<MessagingTestApp> {
    const app = await startMessagingTestApp(sc.prefix, options(sc, overrides), true, extraImports);
    apps.push(app);
    streams.push(sc.stream);
    return app;
  }

  async function ackPending(stream: string, durable: string): Promise<number> {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_ack_pending + info.num_pending;
  }

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    for (const stream of new Set(streams)) await jsm.streams.delete(stream).catch(() => undefined);
    await jsm.streams.purge('DLQ', { filter: `dlq.svc${RUN}.>` }).catch(() => undefined);
    for (const tag of ['a', 'b', 'c', 'd', 'e', 'i', 'w', 'x'])
      await jsm.streams.purge('DLQ', { filter: `dlq.svc${RUN}${tag}.>` }).catch(() => undefined);
    await nc.drain();
  });

  it('on close stops pulling, lets the in-flight handler finish and acks it', async () => {
    const sc = scope('a');
    const app = await start(sc);
    const e = event(sc.subjects.slow, { ms: 1000 });
    await app.publisher.publish(e);
    await app.probe.waitFor(() => app.probe.callsFor(e.id).length === 1);
    await app.close();
    expect(app.probe.concurrent).toBe(0); // the handler finished before close returned
    expect(await ackPending(sc.stream, durableName(sc.service, sc.subjects.slow))).toBe(0);
  });

  it('naks handlers still running at the shutdown deadline; the next instance handles the message', async () => {
    const sc = scope('b');
    // An ack wait far beyond the test's waits: a redelivery seen within them can only be the deadline's nak.
    const settings = { shutdownTimeoutMs: 300, consumer: { concurrency: 4, ackWaitMs: 120_000, maxDeliver: 5, backoffMs: [200] } };
    const first = await start(sc, settings);
    const e = event(sc.subjects.slow, { ms: 10_000 });
    await first.publisher.publish(e);
    await first.probe.waitFor(() => first.probe.callsFor(e.id).length === 1);
    await first.close();
    // close() returned at the deadline: the 10 s handler is still running, so close did not wait for it.
    expect(first.probe.concurrent).toBe(1);
    const second = await start(sc, settings);
    // (No delivery count: nats-server 2.9 un-counts a redelivery that first went to a stale pull request.)
    await second.probe.waitFor(() => second.probe.callsFor(e.id).length === 1, 10_000);
  }, 30_000);

  it('redelivers a message whose consumer died mid-handler (connection dropped without settling)', async () => {
    const sc = scope('c');
    const crashed = await start(sc, { consumer: { concurrency: 4, ackWaitMs: 1000, maxDeliver: 5, backoffMs: [200] } });
    const e = event(sc.subjects.slow, { ms: 3000 });
    await crashed.publisher.publish(e);
    await crashed.probe.waitFor(() => crashed.probe.callsFor(e.id).length === 1);
    // Like SIGKILL: the socket goes away, nothing is acked, nak'ed or drained.
    await crashed.connection.connection.close();
    const restarted = await start(sc, { consumer: { concurrency: 4, ackWaitMs: 1000, maxDeliver: 5, backoffMs: [200] } });
    await restarted.probe.waitFor(() => restarted.probe.callsFor(e.id).length === 1, 10_000);
    expect(restarted.probe.callsFor(e.id)[0].deliveryCount).toBe(2);
  }, 30_000);

  it('dead-letters a message whose deliveries all ended without a result (crashes), from the server advisory', async () => {
    const sc = scope('x');
    const cfg = { consumer: { concurrency: 4, ackWaitMs: 1000, maxDeliver: 2, backoffMs: [200] } };
    const e = event(sc.subjects.slow, { ms: 2500 });
    const first = await start(sc, cfg);
    await first.publisher.publish(e);
    await first.probe.waitFor(() => first.probe.callsFor(e.id).length === 1);
    await first.connection.connection.close();
    const second = await start(sc, cfg);
    await second.probe.waitFor(() => second.probe.callsFor(e.id).length === 1, 10_000);
    await second.connection.connection.close();
    const third = await start(sc, cfg);
    const dlqSubject = `dlq.${sc.service}.${sc.subjects.slow}`;
    const deadline = Date.now() + 10_000;
    let count = 0;
    while (count === 0 && Date.now() < deadline) {
      await sleep(100);
      count = (await jsm.streams.info('DLQ', { subjects_filter: dlqSubject })).state.subjects?.[dlqSubject] ?? 0;
    }
    expect(count).toBe(1);
    const letter = await jsm.streams.getMessage('DLQ', { last_by_subj: dlqSubject });
    expect(letter.header.get('dlq-error')).toContain('ack wait expired');
    expect(letter.header.get('dlq-delivery-count')).toBe('2');
    expect(letter.header.get('dlq-original-msg-id')).toBe(e.id);
    expect(third.probe.callsFor(e.id)).toHaveLength(0);
  }, 30_000);

  it('binds to a stream another service creates later, logging while it waits', async () => {
    const sc = scope('d');
    // This service owns nothing: the stream belongs to "someone else" and does not exist yet.
    const app = await start(sc, { streams: [] });
    expect(app.server.consumerStats().every((s) => !s.running)).toBe(true);
    await jsm.streams.add({ name: sc.stream, subjects: [`${sc.prefix}.>`] });
    const e = event(sc.subjects.ok);
    await app.probe.waitFor(() => app.server.consumerStats().every((s) => s.running), 15_000);
    await app.publisher.publish(e);
    await app.probe.waitFor(() => app.probe.callsFor(e.id).length === 1);
  }, 30_000);

  it('keeps a handler that outlives the ack wait alive with in-progress acks (no redelivery)', async () => {
    const sc = scope('w');
    const app = await start(sc, { consumer: { concurrency: 4, ackWaitMs: 1000, maxDeliver: 5, backoffMs: [200] } });
    const e = event(sc.subjects.slow, { ms: 2600 });
    await app.publisher.publish(e);
    await app.probe.waitFor(() => app.probe.callsFor(e.id).length === 1);
    await app.probe.waitFor(() => app.probe.concurrent === 0, 10_000);
    await sleep(1500);
    expect(app.probe.callsFor(e.id)).toHaveLength(1);
    expect(await ackPending(sc.stream, durableName(sc.service, sc.subjects.slow))).toBe(0);
  });

  it('calls the instrumentation hook around publishes (headers it adds reach the handler) and on settlement', async () => {
    const sc = scope('i');
    const seen = { publish: [] as PublishInfo[], settled: [] as SettledInfo[], dead: [] as DeadLetterInfo[] };
    const instrumentation: MessagingInstrumentation = {
      async onPublish(info, send) {
        seen.publish.push(info);
        info.headers.set('traceparent', '00-2af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
        return send();
      },
      onSettled: (info) => seen.settled.push(info),
      onDeadLetter: (info) => seen.dead.push(info),
    };
    @Global()
    @Module({ providers: [{ provide: MESSAGING_INSTRUMENTATION, useValue: instrumentation }], exports: [MESSAGING_INSTRUMENTATION] })
    class FakeTelemetryModule {}
    const app = await start(sc, {}, [FakeTelemetryModule]);

    const ok = event(sc.subjects.ok);
    const bad = event(sc.subjects.permanent);
    await app.publisher.publish(ok);
    await app.publisher.publish(bad);
    await app.probe.waitFor(() => seen.settled.length >= 2);
    expect(seen.publish.map((p) => p.msgId)).toEqual([ok.id, bad.id]);
    expect(seen.publish[0]).toMatchObject({ subject: sc.subjects.ok, bodySize: jsonTestCodec.encode(ok).data.length });
    expect(app.probe.callsFor(ok.id)[0].ctx.headers?.get('traceparent')).toMatch(/^00-2af76519/);
    expect(seen.settled).toEqual(
      expect.arrayContaining([
        { subject: sc.subjects.ok, consumer: durableName(sc.service, sc.subjects.ok), outcome: 'ack' },
        expect.objectContaining({ subject: sc.subjects.permanent, outcome: 'dlq', error: expect.any(Error) }),
      ]),
    );
    expect(seen.dead).toEqual([
      { subject: sc.subjects.permanent, consumer: durableName(sc.service, sc.subjects.permanent), reason: expect.stringContaining('PermanentError') },
    ]);
  });

  it('two replicas share one durable consumer: each message is handled once and both do work', async () => {
    const sc = scope('e');
    const one = await start(sc);
    const two = await start(sc);
    // More than one pull batch (128) each: a replica fetches a whole batch at a time, so a burst smaller than a
    // batch may all go to whichever replica asked first; sharing shows once there is more work than one batch.
    const events = Array.from({ length: 400 }, () => event(sc.subjects.slow, { ms: 10 }));
    await Promise.all(events.map((e) => one.publisher.publish(e)));
    const handled = () => one.probe.calls.length + two.probe.calls.length;
    await one.probe.waitFor(() => handled() >= events.length);
    await sleep(300);
    expect(handled()).toBe(events.length);
    const ids = [...one.probe.calls, ...two.probe.calls].map((c) => c.id);
    expect(new Set(ids).size).toBe(events.length);
    expect(one.probe.calls.length).toBeGreaterThan(0);
    expect(two.probe.calls.length).toBeGreaterThan(0);
  });
});

describe('JetStream transport across a NATS server restart (own nats-server)', () => {
  let server: NatsServerProcess;
  let app: MessagingTestApp | undefined;
  let storeDir: string;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    storeDir = join(tmpdir(), `messaging-restart-${RUN}`);
    server = await startNatsServer({ port, storeDir });
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await server?.stop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('publisher and consumer survive the restart without being restarted, and nothing is lost', async () => {
    const sc = scope('r');
    app = await startMessagingTestApp(sc.prefix, {
      ...options(sc),
      connection: { servers: server.url, name: 'restart-test', reconnectTimeWaitMs: 200, reconnectJitterMs: 50 },
    });
    const before = event(sc.subjects.ok);
    await app.publisher.publish(before);
    await app.probe.waitFor(() => app!.probe.callsFor(before.id).length === 1);
    // Acks are fire-and-forget: let the server record this one before stopping it (otherwise it is redelivered,
    // which is at-least-once working as designed, not a loss).
    const health = app.app.get(MessagingHealth);
    const okConsumer = async () => (await health.consumers()).find((c) => c.subject === sc.subjects.ok);
    for (let i = 0; i < 100 && (await okConsumer())?.ackPending !== 0; i++) await sleep(50);

    await server.stop();
    await app.probe.waitFor(() => !app!.connection.isConnected(), 5000);
    const during = event(sc.subjects.ok);
    await expect(app.publisher.publish(during, { timeoutMs: 500 })).rejects.toBeInstanceOf(PublishTimeoutError);

    server = await startNatsServer({ port, storeDir });
    await app.probe.waitFor(() => app!.connection.isConnected(), 10_000);
    // The timed-out publish is retried with the same id (what the outbox relay does): stored and handled once.
    await app.publisher.publish(during);
    const after = Array.from({ length: 5 }, () => event(sc.subjects.ok));
    for (const e of after) await app.publisher.publish(e);
    await app.probe.waitFor(() => [during, ...after].every((e) => app!.probe.callsFor(e.id).length >= 1), 20_000);
    await sleep(300);
    expect(app.probe.callsFor(during.id)).toHaveLength(1);
    expect(app.probe.callsFor(before.id)).toHaveLength(1);
  }, 45_000);
});

describe('JetStream transport starting while NATS is down (waitForFirstConnect: false, own nats-server)', () => {
  let server: NatsServerProcess | undefined;
  let app: MessagingTestApp | undefined;
  let storeDir: string;

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await server?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('boots without NATS, reports not ready, then provisions and consumes once a server answers', async () => {
    const port = await freePort();
    storeDir = join(tmpdir(), `messaging-late-${RUN}`);
    const sc = scope('late');
    app = await startMessagingTestApp(sc.prefix, {
      ...options(sc),
      connection: {
        servers: `nats://127.0.0.1:${port}`,
        name: 'late-test',
        reconnectTimeWaitMs: 200,
        reconnectJitterMs: 50,
        waitForFirstConnect: false,
      },
    });
    // Started while nothing listens on the port (not "quickly", which a loaded machine can miss): it did not wait.
    expect(await canConnect('127.0.0.1', port)).toBe(false);
    const health = app.app.get(MessagingHealth);
    expect(health.connection().connected).toBe(false);
    expect(health.provisioning().state).toBe('pending');
    expect(await health.jetstream(500)).toMatchObject({ ok: false });
    await expect(app.publisher.publish(event(sc.subjects.ok))).rejects.toBeInstanceOf(ConnectionClosedError);

    server = await startNatsServer({ port, storeDir });
    await app.probe.waitFor(() => health.provisioning().state === 'ready', 15_000);
    await app.probe.waitFor(() => app!.server.consumerStats().every((c) => c.running), 15_000);
    const e = event(sc.subjects.ok);
    await app.publisher.publish(e);
    await app.probe.waitFor(() => app!.probe.callsFor(e.id).length === 1);
  }, 45_000);
});
