/**
 * Stream replicas (NATS_STREAM_REPLICAS) against nats-server processes of the test's own, on free ports: a single
 * server, which takes one replica only, and a three-node JetStream cluster: scaling a running stream in place, a
 * count larger than the cluster, and a publish riding through the election after the loss of a stream's leader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { JetStreamProvisioner, NoStreamError, StreamReplicasError } from '@app/messaging';

import { NatsConnectionManager } from '../../libs/messaging/src/nats-connection.manager';
import { type NatsCluster, startNatsCluster } from '../support/nats-cluster';
import { freePort, startNatsServer } from '../support/stack';
import { jsonTestCodec } from './support/json.codec';
import { startMessagingTestApp } from './support/messaging-test.app';

const SETTINGS = { concurrency: 4, ackWaitMs: 5000, maxDeliver: 3, backoffMs: [200] };

describe('stream replicas on a single server', () => {
  it('creates streams with one replica by default and refuses more with an error naming NATS_STREAM_REPLICAS', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'replicas-single-'));
    const server = await startNatsServer({ port: await freePort(), storeDir });
    const manager = new NatsConnectionManager({ servers: server.url, name: 'replicas-single' });
    try {
      await manager.connect();
      expect((await new JetStreamProvisioner(manager).ensureStream({ name: 'ONE', subjects: ['one.>'] })).config.num_replicas).toBe(1);
      // A new stream: the server refuses the replicas. An existing one: refused before the server would take
      // num_replicas 3 in an update and keep one copy anyway.
      const three = new JetStreamProvisioner(manager, 3);
      for (const spec of [
        { name: 'NEW', subjects: ['new.>'] },
        { name: 'ONE', subjects: ['one.>'] },
      ]) {
        const attempt = three.ensureStream(spec);
        await expect(attempt).rejects.toBeInstanceOf(StreamReplicasError);
        await expect(attempt).rejects.toThrow(new RegExp(`stream ${spec.name}: NATS_STREAM_REPLICAS .* is 3.*not .*clustered`));
      }
      const jsm = await manager.jetstreamManager();
      expect((await jsm.streams.info('ONE')).config.num_replicas).toBe(1);
      await expect(jsm.streams.info('NEW')).rejects.toThrow(/not found/);
    } finally {
      await manager.drain();
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
});

describe('JetStream provisioning on a three-node cluster', () => {
  let cluster: NatsCluster;
  let manager: NatsConnectionManager;

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    manager = new NatsConnectionManager({ servers: cluster.url.split(','), name: 'cluster-provisioning' });
    await manager.connect();
  }, 60_000);

  afterAll(async () => {
    await manager?.drain();
    await cluster?.stop();
  });

  const peers = async (stream: string, durable?: string) => {
    const jsm = await manager.jetstreamManager();
    const info = durable ? await jsm.consumers.info(stream, durable) : await jsm.streams.info(stream);
    return 1 + (info.cluster?.replicas?.length ?? 0);
  };

  it('scales a running R1 stream to three replicas in place, and its consumer follows', async () => {
    const spec = { name: 'SCALE', subjects: ['scale.>'] };
    const created = await new JetStreamProvisioner(manager, 1).ensureStream(spec);
    expect(created.config.num_replicas).toBe(1);
    const one = new JetStreamProvisioner(manager, 1);
    await one.ensureConsumer('SCALE', 'scale_d', 'scale.x', SETTINGS);
    expect(await peers('SCALE', 'scale_d')).toBe(1);

    const scaled = await new JetStreamProvisioner(manager, 3).ensureStream(spec);
    expect(scaled.config.num_replicas).toBe(3);
    await cluster.waitHealthy(['SCALE']);
    expect(await peers('SCALE')).toBe(3);
    // The consumer has no replica count of its own (0: its stream's), so the server moves it along.
    const deadline = Date.now() + 20_000;
    while ((await peers('SCALE', 'scale_d')) !== 3 && Date.now() < deadline) await sleep(250);
    expect(await peers('SCALE', 'scale_d')).toBe(3);
    // Idempotent: the same setting again changes nothing.
    await expect(new JetStreamProvisioner(manager, 3).ensureStream(spec)).resolves.toMatchObject({ config: { num_replicas: 3 } });
  }, 60_000);

  it('refuses more replicas than the cluster has servers with an error naming NATS_STREAM_REPLICAS', async () => {
    const attempt = new JetStreamProvisioner(manager, 5).ensureStream({ name: 'TOOMANY', subjects: ['toomany.>'] });
    await expect(attempt).rejects.toBeInstanceOf(StreamReplicasError);
    await expect(attempt).rejects.toThrow(/stream TOOMANY: NATS_STREAM_REPLICAS \(streamReplicas\) is 5.*no suitable peers/);
    const scaleUp = new JetStreamProvisioner(manager, 5).ensureStream({ name: 'SCALE', subjects: ['scale.>'] });
    await expect(scaleUp).rejects.toBeInstanceOf(StreamReplicasError);
    expect((await (await manager.jetstreamManager()).streams.info('SCALE')).config.num_replicas).toBe(3);
  });

  it('publishes through the election after the stream leader is killed, never reporting the stream as missing', async () => {
    // Through the module, as a service does: NATS_STREAM_REPLICAS=3 reaches the provisioner as streamReplicas.
    const t = await startMessagingTestApp(
      'elect',
      {
        serviceName: 'elect',
        connection: { servers: cluster.url.split(',') },
        streams: [{ name: 'ELECT', subjects: ['elect.>'] }],
        streamReplicas: 3,
        dlq: false,
        codec: jsonTestCodec,
      },
      false,
    );
    try {
      await cluster.waitHealthy(['ELECT']);
      expect(await peers('ELECT')).toBe(3);
      await t.publisher.publishRaw('elect.x', new Uint8Array([0]), { msgId: 'before' });
      const leader = (await cluster.streamInfo('ELECT')).cluster!.leader!;
      await cluster.stopNode(leader, 'SIGKILL');
      const errors: string[] = [];
      const killedAt = Date.now();
      for (;;) {
        try {
          expect(await t.publisher.publishRaw('elect.x', new Uint8Array([1]), { msgId: 'after' })).toMatchObject({ stream: 'ELECT', seq: 2 });
          break;
        } catch (error) {
          errors.push((error as Error).name);
          if (Date.now() - killedAt > 45_000) throw error;
        }
      }
      // Only transient errors on the way (the outbox keeps a row through them), never NoStreamError.
      expect(errors.filter((name) => !['StreamUnavailableError', 'PublishTimeoutError', 'ConnectionClosedError'].includes(name))).toEqual([]);
      await expect(t.publisher.publishRaw('nowhere.x', new Uint8Array([1]), { msgId: 'lost' })).rejects.toBeInstanceOf(NoStreamError);
      await cluster.startNode(leader);
    } finally {
      await t.close();
    }
  }, 90_000);
});
