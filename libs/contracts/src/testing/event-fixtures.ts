import type { EventDataMap } from '../events/event-catalog';
import { createEvent, type Subject, Subjects } from '../index';

export const ORDER_ID = '3f0c6a52-8f7e-4d2b-9c1a-5b7e2d9f4a10';

/** One valid `data` per event type (current version). */
export const validData: { [S in Subject]: EventDataMap[S] } = {
  [Subjects.OrderCreated]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    currency: 'EUR',
    items: [
      { sku: 'SKU-001', quantity: 2, unitPrice: 1250 },
      { sku: 'SKU-002', quantity: 1, unitPrice: 999 },
    ],
    totalAmount: 3499,
  },
  [Subjects.OrderConfirmed]: { orderId: ORDER_ID, customerId: 'customer-42', totalAmount: 3499, currency: 'EUR' },
  [Subjects.OrderCancelled]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    reason: 'OUT_OF_STOCK',
    message: 'Not enough stock for: SKU-001',
  },
  [Subjects.InventoryReserved]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    currency: 'EUR',
    totalAmount: 3499,
    items: [{ sku: 'SKU-001', quantity: 2 }],
  },
  [Subjects.InventoryRejected]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    reason: 'UNKNOWN_SKU',
    message: 'Unknown SKU: SKU-404',
    items: [{ sku: 'SKU-404', quantity: 1 }],
  },
  [Subjects.InventoryReleased]: { orderId: ORDER_ID, items: [{ sku: 'SKU-001', quantity: 2 }] },
  [Subjects.PaymentCompleted]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    paymentId: 'txn_8c1e',
    amount: 3499,
    currency: 'EUR',
  },
  [Subjects.PaymentFailed]: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    reason: 'DECLINED',
    message: 'Insufficient funds',
    amount: 3499,
    currency: 'EUR',
  },
  [Subjects.NotificationSent]: {
    orderId: ORDER_ID,
    channel: 'email',
    template: 'order-confirmed',
    recipient: 'customer-42',
  },
};

/** A deep copy, so a test can break one field without touching the fixture. */
export function dataOf<S extends Subject>(type: S): Record<string, unknown> {
  return structuredClone(validData[type]);
}

/** A full valid envelope around `data` (default: the type's fixture), fixed ids and time; `overrides` win. */
export function eventOf(type: Subject, data: unknown = dataOf(type), overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'b0c5b8a6-0d8e-4b8f-a0e6-1d2c3b4a5f60',
    source: 'order-service',
    type,
    subject: ORDER_ID,
    time: '2026-01-31T12:00:00.000Z',
    datacontenttype: 'application/json',
    dataversion: type === 'orders.created' ? '2' : '1',
    correlationid: 'b0c5b8a6-0d8e-4b8f-a0e6-1d2c3b4a5f60',
    data,
    ...overrides,
  };
}

/** An orders.created event as a version 1 producer left it: lines with decimal `price`, no `totalAmount`. */
export function v1OrderCreated(items: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const current = createEvent(Subjects.OrderCreated, validData['orders.created'], { source: 'legacy-order-service' });
  return {
    ...current,
    dataversion: '1',
    data: { orderId: ORDER_ID, customerId: 'customer-42', currency: 'EUR', items, ...extra },
  };
}
