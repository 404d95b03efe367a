import { type Subject, Subjects } from '../subjects';
import { InventoryRejectedData } from './inventory-rejected.event';
import { InventoryReleasedData } from './inventory-released.event';
import { InventoryReservedData } from './inventory-reserved.event';
import { NotificationSentData } from './notification-sent.event';
import { OrderCancelledData } from './order-cancelled.event';
import { OrderConfirmedData } from './order-confirmed.event';
import { OrderCreatedData, OrderCreatedDataV1, upcastOrderCreatedV1 } from './order-created.event';
import { PaymentCompletedData } from './payment-completed.event';
import { PaymentFailedData } from './payment-failed.event';

/**
 * Turns `data` of version N into version N + 1. It returns a new object (never mutates its input) and leaves what it
 * cannot convert as it is: validation afterwards reports it by path. A throw is reported as an unsupported version.
 */
export type Upcaster = (data: unknown) => unknown;

/** Everything the library knows about one event type. */
export interface EventDefinition<D extends object = object> {
  /** The `dataversion` publishers emit; a positive integer as a string. */
  readonly currentVersion: string;
  /** The class-validator DTO of the current version's `data`. */
  readonly dto: new () => D;
  /** Keyed by the version they read: `upcasters['1']` turns version 1 into version 2. */
  readonly upcasters: Readonly<Record<string, Upcaster>>;
  /** DTOs of older versions, for documentation only. */
  readonly previousVersions?: Readonly<Record<string, new () => object>>;
  /** The service that publishes it. */
  readonly producer: string;
  /** The services that consume it in the saga. */
  readonly consumers: readonly string[];
  /** A valid `data`, shown in the AsyncAPI document (a test checks it passes validation). */
  readonly example: D;
}

function define<D extends object>(definition: EventDefinition<D>): EventDefinition<D> {
  return Object.freeze(definition);
}

const EXAMPLE_ORDER_ID = '3f0c6a52-8f7e-4d2b-9c1a-5b7e2d9f4a10';
const EXAMPLE_CUSTOMER_ID = 'customer-42';

/**
 * The typed map subject -> current version, DTO and upcasters. Bump `currentVersion` only with an upcaster from
 * the previous version, so consumers deployed later still read what older producers left in the streams.
 */
export const EventCatalog = Object.freeze({
  [Subjects.OrderCreated]: define({
    currentVersion: '2',
    dto: OrderCreatedData,
    upcasters: { '1': upcastOrderCreatedV1 },
    previousVersions: { '1': OrderCreatedDataV1 },
    producer: 'order-service',
    consumers: ['inventory-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      currency: 'EUR',
      items: [
        { sku: 'SKU-001', quantity: 2, unitPrice: 1250 },
        { sku: 'SKU-002', quantity: 1, unitPrice: 999 },
      ],
      totalAmount: 3499,
    },
  }),
  [Subjects.OrderConfirmed]: define({
    currentVersion: '1',
    dto: OrderConfirmedData,
    upcasters: {},
    producer: 'order-service',
    consumers: ['inventory-service', 'notification-service'],
    example: { orderId: EXAMPLE_ORDER_ID, customerId: EXAMPLE_CUSTOMER_ID, totalAmount: 3499, currency: 'EUR' },
  }),
  [Subjects.OrderCancelled]: define({
    currentVersion: '1',
    dto: OrderCancelledData,
    upcasters: {},
    producer: 'order-service',
    consumers: ['inventory-service', 'notification-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      reason: 'PAYMENT_DECLINED',
      message: 'The card was declined.',
    },
  }),
  [Subjects.InventoryReserved]: define({
    currentVersion: '1',
    dto: InventoryReservedData,
    upcasters: {},
    producer: 'inventory-service',
    consumers: ['payment-service', 'order-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      currency: 'EUR',
      totalAmount: 3499,
      items: [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 1 },
      ],
    },
  }),
  [Subjects.InventoryRejected]: define({
    currentVersion: '1',
    dto: InventoryRejectedData,
    upcasters: {},
    producer: 'inventory-service',
    consumers: ['order-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      reason: 'OUT_OF_STOCK',
      message: 'Not enough stock for: SKU-001',
      items: [{ sku: 'SKU-001', quantity: 2 }],
    },
  }),
  [Subjects.InventoryReleased]: define({
    currentVersion: '1',
    dto: InventoryReleasedData,
    upcasters: {},
    producer: 'inventory-service',
    consumers: ['order-service'],
    example: { orderId: EXAMPLE_ORDER_ID, items: [{ sku: 'SKU-001', quantity: 2 }] },
  }),
  [Subjects.PaymentCompleted]: define({
    currentVersion: '1',
    dto: PaymentCompletedData,
    upcasters: {},
    producer: 'payment-service',
    consumers: ['order-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      paymentId: 'txn_5f2c9a',
      amount: 3499,
      currency: 'EUR',
    },
  }),
  [Subjects.PaymentFailed]: define({
    currentVersion: '1',
    dto: PaymentFailedData,
    upcasters: {},
    producer: 'payment-service',
    consumers: ['order-service'],
    example: {
      orderId: EXAMPLE_ORDER_ID,
      customerId: EXAMPLE_CUSTOMER_ID,
      reason: 'DECLINED',
      message: 'The card was declined.',
      amount: 3499,
      currency: 'EUR',
    },
  }),
  [Subjects.NotificationSent]: define({
    currentVersion: '1',
    dto: NotificationSentData,
    upcasters: {},
    producer: 'notification-service',
    consumers: ['order-service'],
    example: { orderId: EXAMPLE_ORDER_ID, channel: 'email', template: 'order-confirmed', recipient: EXAMPLE_CUSTOMER_ID },
  }),
} satisfies { readonly [S in Subject]: EventDefinition });

/** The `data` type of each event type (current version). */
export type EventDataMap = { [S in Subject]: InstanceType<(typeof EventCatalog)[S]['dto']> };

/** `data` of one event type. */
export type EventData<S extends Subject> = EventDataMap[S];
