import { headers } from 'nats';

import { DlqHeaders } from '../messaging.constants';
import { deadLetterHeaders, dlqMsgId, headerValue } from './dead-letter';

describe('deadLetterHeaders', () => {
  const original = headers();
  original.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  original.set('Nats-Msg-Id', 'evt-1');
  original.set('Nats-Expected-Stream', 'ORDERS');

  const built = deadLetterHeaders(
    {
      headers: original,
      subject: 'orders.created',
      stream: 'ORDERS',
      streamSequence: 42,
      messageId: 'evt-1',
      reason: 'permanent: PermanentError: unknown sku\nat line 2',
      deliveryCount: 3,
      consumer: 'inventory-service__orders_created',
    },
    new Date('2026-12-01T12:00:00Z'),
  );

  it('keeps the application headers (trace context) and drops the JetStream control headers', () => {
    expect(built.get('traceparent')).toBe(original.get('traceparent'));
    expect(built.has('Nats-Msg-Id')).toBe(false);
    expect(built.has('Nats-Expected-Stream')).toBe(false);
  });

  it('says where the message came from, why it was parked and after how many deliveries', () => {
    expect(
      Object.fromEntries(
        Object.values(DlqHeaders)
          .filter((h) => built.has(h))
          .map((h) => [h, built.get(h)]),
      ),
    ).toEqual({
      [DlqHeaders.OriginalSubject]: 'orders.created',
      [DlqHeaders.OriginalStream]: 'ORDERS',
      [DlqHeaders.StreamSeq]: '42',
      [DlqHeaders.OriginalMsgId]: 'evt-1',
      [DlqHeaders.Error]: 'permanent: PermanentError: unknown sku at line 2',
      [DlqHeaders.DeliveryCount]: '3',
      [DlqHeaders.Consumer]: 'inventory-service__orders_created',
      [DlqHeaders.Time]: '2026-12-01T12:00:00.000Z',
    });
  });

  it('leaves the original id out when the message had none', () => {
    const bare = deadLetterHeaders({
      headers: undefined,
      subject: 's',
      stream: 'S',
      streamSequence: 1,
      reason: 'r',
      deliveryCount: 5,
      consumer: 'c',
    });
    expect(bare.has(DlqHeaders.OriginalMsgId)).toBe(false);
    expect(bare.get(DlqHeaders.DeliveryCount)).toBe('5');
  });
});

describe('dead-letter ids and header values', () => {
  it('gives one DLQ id per (stream, sequence, consumer), so retries and replicas park a message once', () => {
    expect(dlqMsgId('ORDERS', 42, 'c1')).toBe(dlqMsgId('ORDERS', 42, 'c1'));
    expect(new Set([dlqMsgId('ORDERS', 42, 'c1'), dlqMsgId('ORDERS', 43, 'c1'), dlqMsgId('ORDERS', 42, 'c2')]).size).toBe(3);
  });

  it('makes error text safe for a header (one line, bounded)', () => {
    expect(headerValue('line one\r\nline two\nthree')).toBe('line one line two three');
    expect(headerValue('x'.repeat(5000))).toHaveLength(1024);
  });
});
