import { bigint, bigserial, index, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** order-service owns the `orders` PostgreSQL schema; no other service reads or writes it. */
export const ORDER_DB_SCHEMA = 'orders';
const schema = pgSchema(ORDER_DB_SCHEMA);

export interface OrderItemRow {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export const orders = schema.table(
  'orders',
  {
    id: uuid('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    currency: text('currency').notNull(),
    items: jsonb('items').$type<OrderItemRow[]>().notNull(),
    totalAmount: bigint('total_amount', { mode: 'number' }).notNull(),
    status: text('status').$type<'PENDING' | 'CONFIRMED' | 'CANCELLED'>().notNull(),
    reason: text('reason'),
    reasonMessage: text('reason_message'),
    idempotencyKey: text('idempotency_key').unique(),
    requestHash: text('request_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('orders_customer_created_idx').on(t.customerId, t.createdAt, t.id), index('orders_created_idx').on(t.createdAt, t.id)],
);

/** One row per saga step the order went through, for `GET /orders/:id`. */
export const orderHistory = schema.table(
  'order_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: uuid('order_id').notNull(),
    eventType: text('event_type').notNull(),
    eventId: text('event_id').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('order_history_order_idx').on(t.orderId, t.id)],
);
