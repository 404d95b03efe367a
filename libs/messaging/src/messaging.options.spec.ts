import { dlqSubject, durableName, inboxPrefixFor, type MessagingModuleOptions, resolveMessagingOptions } from './messaging.options';

const base: MessagingModuleOptions = {
  serviceName: 'inventory-service',
  connection: { servers: 'nats://127.0.0.1:4222' },
  streams: [],
  codec: { encode: () => ({ subject: 's', msgId: 'm', data: new Uint8Array() }), decode: () => ({ ok: false, kind: 'invalid', reason: 'x' }) },
};

describe('messaging options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveMessagingOptions(base);
    expect(resolved.dlq).toBe(true);
    expect(resolved.consumer).toEqual({ concurrency: 16, pullBatch: 128, ackWaitMs: 30_000, maxDeliver: 5, backoffMs: [1000, 5000, 15_000, 30_000] });
    expect(resolved.shutdownTimeoutMs).toBe(10_000);
  });

  it('keeps explicit settings and falls back to the default schedule for an empty one', () => {
    const resolved = resolveMessagingOptions({ ...base, dlq: false, consumer: { concurrency: 2, maxDeliver: 3, backoffMs: [] } });
    expect(resolved.dlq).toBe(false);
    expect(resolved.consumer).toMatchObject({ concurrency: 2, maxDeliver: 3, backoffMs: [1000, 5000, 15_000, 30_000] });
  });

  it('pulls at least 128 messages at a time, twice the concurrency when that is more, or what is set', () => {
    expect(resolveMessagingOptions({ ...base, consumer: { concurrency: 1 } }).consumer.pullBatch).toBe(128);
    expect(resolveMessagingOptions({ ...base, consumer: { concurrency: 200 } }).consumer.pullBatch).toBe(400);
    expect(resolveMessagingOptions({ ...base, consumer: { concurrency: 4, pullBatch: 500 } }).consumer.pullBatch).toBe(500);
  });

  it('gives each service a reply-inbox prefix of its own, unless one is set', () => {
    expect(inboxPrefixFor('inventory-service')).toBe('_INBOX_inventory-service');
    expect(resolveMessagingOptions(base).connection.inboxPrefix).toBe('_INBOX_inventory-service');
    expect(resolveMessagingOptions({ ...base, connection: { ...base.connection, inboxPrefix: '_INBOX.custom' } }).connection.inboxPrefix).toBe(
      '_INBOX.custom',
    );
  });

  it('rejects a service name that cannot be part of a consumer name', () => {
    expect(() => resolveMessagingOptions({ ...base, serviceName: 'bad.name' })).toThrow(/serviceName/);
  });

  it('names the durable consumer <service>__<subject with dots as underscores>', () => {
    expect(durableName('inventory-service', 'orders.created')).toBe('inventory-service__orders_created');
    expect(durableName('svc', 'orders.*')).toBe('svc__orders_STAR');
  });

  it('puts dead letters on dlq.<service>.<original subject>', () => {
    expect(dlqSubject('payment-service', 'inventory.reserved')).toBe('dlq.payment-service.inventory.reserved');
  });
});
