import { cloudEventCodec, createEvent, type EventEnvelope, Streams, Subjects } from '@app/contracts';
import { DLQ_STREAM_SPEC, type MessageCodec, type StreamSpec } from '@app/messaging';
import type { OutboxCodec } from '@app/persistence';

import { createCloudEventCodec } from '../../libs/contracts/src/codec/cloud-event.codec';
import { ORDER_ID, validData } from '../../libs/contracts/src/testing/event-fixtures';
import { CONSUMER_UPCASTERS } from '../../libs/contracts/src/testing/refusal-cases';

/** Compile-time checks that the contracts fit the libraries that consume them; the runtime asserts are trivial. */
describe('fits the other libraries', () => {
  it('cloudEventCodec is a MessageCodec and an OutboxCodec; streams are StreamSpecs', () => {
    const codec: MessageCodec = cloudEventCodec;
    const outboxCodec: OutboxCodec = cloudEventCodec;
    const streams: StreamSpec[] = [...Streams, DLQ_STREAM_SPEC];
    expect([codec, outboxCodec, streams.length]).toEqual([cloudEventCodec, cloudEventCodec, 5]);
  });

  it('EventEnvelope<Data> types data as given', () => {
    const event: EventEnvelope<{ orderId: string }> = createEvent(Subjects.InventoryReleased, validData['inventory.released'], {
      source: 'inventory-service',
    });
    expect(event.data.orderId).toBe(ORDER_ID);
  });
});

describe('createCloudEventCodec', () => {
  it('applies an upcaster the consumer registers instead of the catalog one', () => {
    const withV1 = createCloudEventCodec({ upcasters: { 'orders.created': { '1': CONSUMER_UPCASTERS.replacing } } });
    const created = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'order-service' });
    const v1 = {
      ...created,
      dataversion: '1',
      data: { orderId: ORDER_ID, customerId: 'c', currency: 'EUR', items: [{ sku: 'A', quantity: 2, price: 9.99 }] },
    };
    const decoded = withV1.decode('orders.created', new TextEncoder().encode(JSON.stringify(v1)));
    expect(decoded.ok && decoded.value.data).toMatchObject({ items: [{ unitPrice: 1 }], totalAmount: 2 });
  });
});

describe('validateEvent never throws', () => {
  const v1Bytes = () => {
    const created = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'order-service' });
    const data = { orderId: ORDER_ID, customerId: 'c', currency: 'EUR', items: [{ sku: 'A', quantity: 1, price: 2.5 }] };
    return new TextEncoder().encode(JSON.stringify({ ...created, dataversion: '1', data }));
  };

  it('reports a throwing upcaster as an unsupported version', () => {
    const codec = createCloudEventCodec({ upcasters: { 'orders.created': { '1': CONSUMER_UPCASTERS.throwing } } });
    const result = codec.decode('orders.created', v1Bytes());
    expect(result).toMatchObject({ ok: false, kind: 'unsupported-version' });
    expect(!result.ok && result.reason).toContain('boom');
  });

  it('reports an upcaster that returns no object as invalid data', () => {
    const codec = createCloudEventCodec({ upcasters: { 'orders.created': { '1': CONSUMER_UPCASTERS.returningNull } } });
    const result = codec.decode('orders.created', v1Bytes());
    expect(result).toMatchObject({ ok: false, kind: 'invalid' });
    expect(!result.ok && result.reason).toContain('data');
  });
});
