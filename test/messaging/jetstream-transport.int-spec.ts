/**
 * The JetStream transport against the real nats-server (127.0.0.1:4222). Every run uses its own stream, subjects
 * and service name, and removes what it created afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { JetStreamProvisioner, MessagingHealth, type MessagingModuleOptions } from '@app/messaging';
import { AckPolicy, connect, DeliverPolicy, headers, type JetStreamManager, nanos, type NatsConnection, type StoredMsg } from 'nats';

import { NoStreamError, StreamConfigConflictError } from '../../libs/messaging/src/errors/messaging.errors';
import { DlqHeaders } from '../../libs/messaging/src/messaging.constants';
import { durableName } from '../../libs/messaging/src/messaging.options';
import { jsonTestCodec, type TestEvent } from './support/json.codec';
import { type MessagingTestApp, startMessagingTestApp, subjectsFor } from './support/messaging-test.app';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PREFIX = `mt${RUN}`;
const STREAM = `MT_${RUN}`;
const SERVICE = `svc${RUN}`;
const S = subjectsFor(PREFIX);
let nextId = 0;
function event(type: string, data: Record<string, unknown> = {}): TestEvent {
  return { id: `${RUN}-${++nextId}`, type, data };
}

function options(overrides: Partial<MessagingModuleOptions> = {}): MessagingModuleOptions {
  return {
    serviceName: SERVICE,
    connection: { servers: NATS_URL, name: `messaging-test-${RUN}` },
    streams: [{ name: STREAM, subjects: [`${PREFIX}.>`] }],
    dlq: true,
    codec: jsonTestCodec,
    consumer: { concurrency: 8, ackWaitMs: 5000, maxDeliver: 3, backoffMs: [200, 400] },
    shutdownTimeoutMs: 5000,
    ...overrides,
  };
}

describe('JetStream transport (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let t: MessagingTestApp;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    t = await startMessagingTestApp(PREFIX, options());
  });

  afterAll(async () => {
    await t?.close();
    await jsm.streams.delete(STREAM).catch(() => undefined);
    await jsm.streams.purge('DLQ', { filter: `dlq.${SERVICE}.>` }).catch(() => undefined);
    await nc.drain();
  });

  async function consumerSettled(subject: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = await jsm.consumers.info(STREAM, durableName(SERVICE, subject));
      if (info.num_ack_pending === 0 && info.num_pending === 0) return;
      if (Date.now() > deadline) throw new Error(`consumer for ${subject} still has ack_pending=${info.num_ack_pending} pending=${info.num_pending}`);
      await sleep(50);
    }
  }

  async function deadLetters(subject: string): Promise<{ count: number; last?: StoredMsg }> {
    const dlqSubject = `dlq.${SERVICE}.${subject}`;
    const info = await jsm.streams.info('DLQ', { subjects_filter: dlqSubject });
    const count = info.state.subjects?.[dlqSubject] ?? 0;
    if (count === 0) return { count };
    return { count, last: await jsm.streams.getMessage('DLQ', { last_by_subj: dlqSubject }) };
  }

  /** Every dead letter on dlq.<service>.<subject>, oldest first (through a short-lived consumer on DLQ). */
  async function readDeadLetters(subject: string): Promise<{ data: Uint8Array; header: (k: string) => string | undefined }[]> {
    const { count } = await deadLetters(subject);
    if (count === 0) return [];
    const info = await jsm.consumers.add('DLQ', {
      filter_subject: `dlq.${SERVICE}.${subject}`,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: nanos(5000),
    });
    const consumer = await nc.jetstream().consumers.get('DLQ', info.name);
    const out: { data: Uint8Array; header: (k: string) => string | undefined }[] = [];
    const batch = await consumer.fetch({ max_messages: count, expires: 2000 });
    for await (const m of batch) {
      out.push({ data: m.data, header: (k) => m.headers?.get(k) });
      if (out.length === count) break;
    }
    await jsm.consumers.delete('DLQ', info.name).catch(() => undefined);
    return out;
  }

  it('provisions the owned stream with file storage and a duplicate window of at least 2 minutes, and the DLQ stream', async () => {
    const info = await jsm.streams.info(STREAM);
    expect(info.config.storage).toBe('file');
    expect(info.config.duplicate_window).toBeGreaterThanOrEqual(120_000_000_000);
    const dlq = await jsm.streams.info('DLQ');
    expect(dlq.config.subjects).toEqual(['dlq.>']);
    const consumer = await jsm.consumers.info(STREAM, durableName(SERVICE, S.ok));
    expect(consumer.config).toMatchObject({ ack_policy: 'explicit', filter_subject: S.ok, max_deliver: 3, durable_name: `${SERVICE}__${PREFIX}_ok` });
  });

  it('handles a message, gives the handler the JetStream context, and acks it', async () => {
    const e = event(S.ok, { n: 1 });
    const published = await t.publisher.publish(e, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(published).toMatchObject({ stream: STREAM, duplicate: false });
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 1);
    const { ctx } = t.probe.callsFor(e.id)[0];
    expect(ctx).toMatchObject({
      subject: S.ok,
      stream: STREAM,
      streamSequence: published.seq,
      deliveryCount: 1,
      messageId: e.id,
      redelivered: false,
    });
    expect(ctx.headers?.get('traceparent')).toMatch(/^00-0af76519/);
    expect(ctx.consumer).toBe(durableName(SERVICE, S.ok));
    await consumerSettled(S.ok);
  });

  it('runs a handler that fails twice three times, with the configured nak delays, and acks it once', async () => {
    const e = event(S.flaky);
    await t.publisher.publish(e);
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 3);
    const calls = t.probe.callsFor(e.id);
    expect(calls.map((c) => c.deliveryCount)).toEqual([1, 2, 3]);
    // backoff [200, 400]: a nak without delay would redeliver within a few ms.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(180);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(380);
    await consumerSettled(S.flaky);
    await sleep(600);
    expect(t.probe.callsFor(e.id)).toHaveLength(3);
    expect((await deadLetters(S.flaky)).count).toBe(0);
  });

  it('does not ack an Observable that emits a value and then errors', async () => {
    const e = event(S.observable);
    await t.publisher.publish(e);
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 2);
    expect(t.probe.callsFor(e.id).map((c) => c.deliveryCount)).toEqual([1, 2]);
    await consumerSettled(S.observable);
  });

  it('dead-letters a PermanentError once, with the original error and position in headers, and terms it', async () => {
    const e = event(S.permanent, { orderId: 'o-42' });
    const published = await t.publisher.publish(e, { headers: { traceparent: '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 1);
    await consumerSettled(S.permanent);
    let dl = await deadLetters(S.permanent);
    for (let i = 0; dl.count === 0 && i < 40; i++) dl = (await sleep(50), await deadLetters(S.permanent));
    expect(dl.count).toBe(1);
    const h = dl.last!.header;
    expect(h.get(DlqHeaders.OriginalSubject)).toBe(S.permanent);
    expect(h.get(DlqHeaders.OriginalStream)).toBe(STREAM);
    expect(h.get(DlqHeaders.StreamSeq)).toBe(String(published.seq));
    expect(h.get(DlqHeaders.DeliveryCount)).toBe('1');
    expect(h.get(DlqHeaders.Consumer)).toBe(durableName(SERVICE, S.permanent));
    expect(h.get(DlqHeaders.OriginalMsgId)).toBe(e.id);
    expect(h.get(DlqHeaders.Error)).toContain('order o-42 cannot be processed');
    expect(h.get(DlqHeaders.Error)).not.toContain('Internal server error');
    expect(h.get('traceparent')).toMatch(/^00-1af76519/);
    expect(Buffer.from(dl.last!.data).equals(Buffer.from(jsonTestCodec.encode(e).data))).toBe(true);
    await sleep(500);
    expect(t.probe.callsFor(e.id)).toHaveLength(1);
  });

  it('dead-letters a garbage payload and a schema-invalid event without calling the handler, and keeps valid messages flowing', async () => {
    const garbage = new TextEncoder().encode('{not json');
    const invalid = new TextEncoder().encode(JSON.stringify({ type: S.ok, data: {} }));
    const before = t.probe.calls.length;
    await t.publisher.publishRaw(S.ok, garbage, { msgId: `${RUN}-garbage` });
    await t.publisher.publishRaw(S.ok, invalid, { msgId: `${RUN}-invalid` });
    const valid = event(S.ok);
    await t.publisher.publish(valid);
    await t.probe.waitFor(() => t.probe.callsFor(valid.id).length === 1);
    await consumerSettled(S.ok);
    expect(t.probe.calls.length).toBe(before + 1);
    const letters = await readDeadLetters(S.ok);
    expect(letters).toHaveLength(2);
    const [first, second] = letters;
    expect(first.header(DlqHeaders.Error)).toMatch(/^malformed/);
    expect(first.header(DlqHeaders.DeliveryCount)).toBe('1');
    expect(Buffer.from(first.data).equals(Buffer.from(garbage))).toBe(true);
    expect(second.header(DlqHeaders.Error)).toMatch(/^invalid: id and type are required/);
    expect(Buffer.from(second.data).equals(Buffer.from(invalid))).toBe(true);
    await sleep(300);
    expect(t.probe.calls.length).toBe(before + 1);
  });

  it('dead-letters a message whose deliveries run out (max deliver 3)', async () => {
    const e = event(S.always);
    await t.publisher.publish(e);
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 3);
    await consumerSettled(S.always);
    const dl = await deadLetters(S.always);
    expect(dl.count).toBe(1);
    expect(dl.last!.header.get(DlqHeaders.DeliveryCount)).toBe('3');
    expect(dl.last!.header.get(DlqHeaders.Error)).toContain('still broken');
    await sleep(500);
    expect(t.probe.callsFor(e.id)).toHaveLength(3);
  });

  it('stores a duplicate publish (same msgId) once and handles it once', async () => {
    const e = event(S.ok);
    const first = await t.publisher.publish(e);
    const second = await t.publisher.publish(e);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ stream: STREAM, seq: first.seq, duplicate: true });
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length >= 1);
    await consumerSettled(S.ok);
    await sleep(300);
    expect(t.probe.callsFor(e.id)).toHaveLength(1);
  });

  it('runs slow handlers of one consumer in parallel, bounded by the concurrency setting', async () => {
    const events = Array.from({ length: 12 }, () => event(S.slow, { ms: 300 }));
    await Promise.all(events.map((e) => t.publisher.publish(e)));
    await t.probe.waitFor(() => events.every((e) => t.probe.callsFor(e.id).length === 1));
    await consumerSettled(S.slow);
    expect(t.probe.maxConcurrent).toBeGreaterThan(1);
    expect(t.probe.maxConcurrent).toBeLessThanOrEqual(8);
    const stats = t.server.consumerStats().find((s) => s.subject === S.slow)!;
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('reports connection, JetStream and consumer health', async () => {
    const health = t.app.get(MessagingHealth);
    expect(health.connection()).toMatchObject({ connected: true, state: 'connected' });
    expect(await health.jetstream(2000)).toMatchObject({ ok: true });
    const consumers = await health.consumers(2000);
    expect(consumers).toHaveLength(6);
    const ok = consumers.find((c) => c.subject === S.ok)!;
    expect(ok).toMatchObject({ running: true, stream: STREAM, pending: 0 });
    expect(typeof ok.redelivered).toBe('number');
  });

  it('throws NoStreamError when no stream captures the subject', async () => {
    await expect(t.publisher.publishRaw(`nostream${RUN}.x`, new Uint8Array([1]), { msgId: `${RUN}-ns` })).rejects.toBeInstanceOf(NoStreamError);
  });

  it('handles messages published by a plain NATS client (interop)', async () => {
    const e = event(S.ok, { from: 'raw client' });
    const h = headers();
    h.set('Nats-Msg-Id', e.id);
    await nc.jetstream().publish(S.ok, jsonTestCodec.encode(e).data, { headers: h });
    await t.probe.waitFor(() => t.probe.callsFor(e.id).length === 1);
    await consumerSettled(S.ok);
  });

  it('refuses to start when an owned stream exists with different subjects, and leaves it untouched', async () => {
    const name = `MC_${RUN}`;
    await jsm.streams.add({ name, subjects: [`mc${RUN}.a`] });
    try {
      const attempt = startMessagingTestApp(PREFIX, options({ serviceName: `conflict${RUN}`, streams: [{ name, subjects: [`mc${RUN}.b`] }] }), false);
      await expect(attempt).rejects.toBeInstanceOf(StreamConfigConflictError);
      await expect(attempt).rejects.toThrow(/stream MC_\w+ .*subjects: expected \["mc\w+\.b"\], found \["mc\w+\.a"\]/);
      expect((await jsm.streams.info(name)).config.subjects).toEqual([`mc${RUN}.a`]);
    } finally {
      await jsm.streams.delete(name).catch(() => undefined);
    }
  });

  it("updates an existing consumer's editable settings in place and rejects a different filter subject", async () => {
    const provisioner = t.app.get(JetStreamProvisioner);
    const durable = durableName(SERVICE, S.ok);
    const settings = { concurrency: 8, ackWaitMs: 7000, maxDeliver: 4, backoffMs: [200] };
    const updated = await provisioner.ensureConsumer(STREAM, durable, S.ok, settings);
    expect(updated.config).toMatchObject({ max_deliver: 4, ack_wait: 7_000_000_000, filter_subject: S.ok });
    // Idempotent: same declaration again changes nothing.
    await expect(provisioner.ensureConsumer(STREAM, durable, S.ok, settings)).resolves.toMatchObject({ config: { max_deliver: 4 } });
    await expect(provisioner.ensureConsumer(STREAM, durable, S.flaky, settings)).rejects.toThrow(
      new RegExp(`consumer ${durable} on stream ${STREAM} .*filter_subject: expected "${S.flaky.replace(/\./g, '\\.')}"`),
    );
    expect((await jsm.consumers.info(STREAM, durable)).config.filter_subject).toBe(S.ok);
    // Restore the suite's settings.
    await provisioner.ensureConsumer(STREAM, durable, S.ok, { concurrency: 8, ackWaitMs: 5000, maxDeliver: 3, backoffMs: [200, 400] });
  });

  it("raises a stream's duplicate window to the 2-minute minimum instead of failing", async () => {
    const name = `MW_${RUN}`;
    await jsm.streams.add({ name, subjects: [`mw${RUN}.>`], duplicate_window: nanos(10_000) });
    try {
      const info = await t.app.get(JetStreamProvisioner).ensureStream({ name, subjects: [`mw${RUN}.>`] });
      expect(info.config.duplicate_window).toBe(120_000_000_000);
    } finally {
      await jsm.streams.delete(name).catch(() => undefined);
    }
  });
});
