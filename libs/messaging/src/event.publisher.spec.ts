import { ErrorCode, type MsgHdrs, NatsError } from 'nats';

import { ConnectionClosedError, NoStreamError, PublishTimeoutError, StreamUnavailableError } from './errors/messaging.errors';
import { EventPublisher, mapPublishError } from './event.publisher';
import type { MessagingInstrumentation } from './messaging.instrumentation';
import { type ResolvedMessagingOptions, resolveMessagingOptions } from './messaging.options';
import type { NatsConnectionManager } from './nats-connection.manager';

const codec = {
  encode: (e: { id: string; type: string }) => ({ subject: e.type, msgId: e.id, data: new TextEncoder().encode(JSON.stringify(e)) }),
  decode: () => ({ ok: false as const, kind: 'invalid', reason: 'unused' }),
};
const baseOptions = {
  serviceName: 'order-service',
  connection: { servers: 'nats://127.0.0.1:4222' },
  streams: [],
  codec,
};
const options: ResolvedMessagingOptions = resolveMessagingOptions(baseOptions);

function fakeConnection(publish: jest.Mock, cluster?: { find: jest.Mock }): NatsConnectionManager {
  return {
    jetstream: () => ({ publish }),
    isClustered: () => cluster !== undefined,
    jetstreamManager: async () => ({ streams: { find: cluster?.find } }),
  } as unknown as NatsConnectionManager;
}

describe('EventPublisher', () => {
  it('encodes through the codec, sets Nats-Msg-Id to the event id and returns where it was stored', async () => {
    const publish = jest.fn().mockResolvedValue({ stream: 'ORDERS', seq: 7, duplicate: false });
    const publisher = new EventPublisher(options, fakeConnection(publish));
    await expect(publisher.publish({ id: 'evt-1', type: 'orders.created' })).resolves.toEqual({ stream: 'ORDERS', seq: 7, duplicate: false });
    const [subject, , publishOptions] = publish.mock.calls[0];
    expect(subject).toBe('orders.created');
    expect(publishOptions).toMatchObject({ msgID: 'evt-1', timeout: 5000 });
  });

  it('lets the instrumentation hook add headers before the publish', async () => {
    const publish = jest.fn().mockResolvedValue({ stream: 'ORDERS', seq: 1, duplicate: true });
    const instrumentation: MessagingInstrumentation = {
      onPublish: jest.fn(async (info, send) => {
        info.headers.set('traceparent', 'tp');
        return send();
      }),
    };
    const publisher = new EventPublisher(options, fakeConnection(publish), instrumentation);
    const result = await publisher.publishRaw('orders.created', new Uint8Array([1, 2, 3]), { msgId: 'm-1', headers: { 'x-a': 'b' } });
    expect(result.duplicate).toBe(true);
    expect(instrumentation.onPublish).toHaveBeenCalledWith(
      expect.objectContaining({ subject: 'orders.created', msgId: 'm-1', bodySize: 3 }),
      expect.any(Function),
    );
    const headers = publish.mock.calls[0][2].headers as MsgHdrs;
    expect(headers.get('traceparent')).toBe('tp');
    expect(headers.get('x-a')).toBe('b');
  });

  it('publishes once on a single server and retries a 503 for half the timeout on a cluster (leader election)', async () => {
    const noResponders = NatsError.errorForCode(ErrorCode.NoResponders);
    const single = jest.fn().mockRejectedValue(noResponders);
    await expect(
      new EventPublisher(options, fakeConnection(single)).publishRaw('orders.created', new Uint8Array(), { msgId: 'm' }),
    ).rejects.toBeInstanceOf(NoStreamError);
    expect(single).toHaveBeenCalledTimes(1);
    const clustered = jest
      .fn()
      .mockRejectedValueOnce(noResponders)
      .mockRejectedValueOnce(noResponders)
      .mockResolvedValue({ stream: 'ORDERS', seq: 3, duplicate: false });
    const publisher = new EventPublisher(options, fakeConnection(clustered, { find: jest.fn() }));
    await expect(publisher.publishRaw('orders.created', new Uint8Array(), { msgId: 'm', timeoutMs: 4000 })).resolves.toEqual({
      stream: 'ORDERS',
      seq: 3,
      duplicate: false,
    });
    expect(clustered.mock.calls.map((call) => call[2].msgID)).toEqual(['m', 'm', 'm']);
  });

  it('on a cluster, reports a 503 as StreamUnavailableError when a stream captures the subject and NoStreamError when none does', async () => {
    const publish = jest.fn().mockRejectedValue(NatsError.errorForCode(ErrorCode.NoResponders));
    const options = resolveMessagingOptions({ ...baseOptions, publishTimeoutMs: 600 });
    const electing = new EventPublisher(options, fakeConnection(publish, { find: jest.fn().mockResolvedValue('ORDERS') }));
    await expect(electing.publishRaw('orders.created', new Uint8Array(), { msgId: 'm' })).rejects.toBeInstanceOf(StreamUnavailableError);
    const missing = new EventPublisher(
      options,
      fakeConnection(publish, { find: jest.fn().mockRejectedValue(new Error('no stream matches subject')) }),
    );
    await expect(missing.publishRaw('nowhere.x', new Uint8Array(), { msgId: 'm' })).rejects.toBeInstanceOf(NoStreamError);
    const single = new EventPublisher(options, fakeConnection(publish));
    await expect(single.publishRaw('nowhere.x', new Uint8Array(), { msgId: 'm' })).rejects.toBeInstanceOf(NoStreamError);
  });

  it('maps nats failures to typed errors', () => {
    expect(mapPublishError(NatsError.errorForCode(ErrorCode.Timeout), 's', 100)).toBeInstanceOf(PublishTimeoutError);
    expect(mapPublishError(NatsError.errorForCode(ErrorCode.NoResponders), 's', 100)).toBeInstanceOf(NoStreamError);
    expect(mapPublishError(NatsError.errorForCode(ErrorCode.ConnectionClosed), 's', 100)).toBeInstanceOf(ConnectionClosedError);
    const other = new Error('boom');
    expect(mapPublishError(other, 's', 100)).toBe(other);
  });

  it('gives typed errors the names the outbox relay matches on', () => {
    expect(new NoStreamError('s').name).toBe('NoStreamError');
    expect(new PublishTimeoutError('s', 1).name).toBe('PublishTimeoutError');
    expect(new ConnectionClosedError().name).toBe('ConnectionClosedError');
  });
});
