import { integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** inventory-service owns the `inventory` PostgreSQL schema. */
export const INVENTORY_DB_SCHEMA = 'inventory';
const schema = pgSchema(INVENTORY_DB_SCHEMA);

export const products = schema.table('products', {
  sku: text('sku').primaryKey(),
  available: integer('available').notNull(),
  reserved: integer('reserved').notNull(),
});

export type ReservationStatus = 'RESERVED' | 'REJECTED' | 'RELEASED' | 'COMMITTED';

/** One reservation per order: what was taken from stock, so a cancellation gives back exactly that. */
export const reservations = schema.table('reservations', {
  orderId: uuid('order_id').primaryKey(),
  status: text('status').$type<ReservationStatus>().notNull(),
  items: jsonb('items').$type<{ sku: string; quantity: number }[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
