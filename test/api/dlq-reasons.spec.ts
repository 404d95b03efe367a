import { dataOf } from '../../libs/contracts/src/testing/event-fixtures';
import { validateEvent } from '../../libs/contracts/src/validation/validate-event';
import type { DeadLetter } from '../../libs/messaging/src/dlq/dead-letters';
import { formatTable } from '../../tools/dlq';

/** A dead letter carrying the error a consumer records for this (invalid) orders.created event. */
function deadLetterFor(event: Record<string, unknown>): DeadLetter {
  const result = validateEvent(event, { mode: 'tolerant' });
  if (result.ok) throw new Error('the event was expected to be invalid');
  return {
    seq: 7,
    subject: 'dlq.inventory-service.orders.created',
    time: new Date('2026-01-31T12:00:00Z'),
    originalSubject: 'orders.created',
    consumer: 'inventory-service__orders_created',
    deliveryCount: 1,
    error: result.error.message,
    headers: {},
    data: new Uint8Array(),
  };
}

const envelope = (overrides: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'b0c5b8a6-0d8e-4b8f-a0e6-1d2c3b4a5f60',
  source: 'order-service',
  type: 'orders.created',
  subject: 'ord-1',
  time: '2026-01-31T12:00:00.000Z',
  datacontenttype: 'application/json',
  dataversion: '2',
  correlationid: 'b0c5b8a6-0d8e-4b8f-a0e6-1d2c3b4a5f60',
  data: dataOf('orders.created'),
  ...overrides,
});

describe('dlq list: the ERROR column', () => {
  it('an event without its subject attribute: one whole message saying what was expected', () => {
    const [, row] = formatTable([deadLetterFor(envelope({ subject: undefined }))]);
    expect(row).toMatch(/subject is missing; expected the aggregate id \(the order id\)$/);
    expect(row).not.toContain('shorter');
    expect(row).not.toContain('…');
  });

  it('a missing field inside data names its path once', () => {
    const data = dataOf('orders.created') as { items: Record<string, unknown>[] };
    delete data.items[0].sku;
    const [, row] = formatTable([deadLetterFor(envelope({ data }))]);
    expect(row).toMatch(/data\.items\[0\]\.sku is missing; expected /);
    expect(row).not.toContain('sku: sku');
  });

  it('a long reason is cut at 100 characters with an ellipsis', () => {
    const letter = { ...deadLetterFor(envelope({ subject: undefined })), error: `handler failed: ${'x'.repeat(200)}` };
    const [, row] = formatTable([letter]);
    expect(row.endsWith('…')).toBe(true);
    expect(row.slice(row.indexOf('handler failed')).length).toBe(100);
  });
});
