import { bigint, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** notification-service owns the `notifications` PostgreSQL schema. */
export const NOTIFICATION_DB_SCHEMA = 'notifications';
const schema = pgSchema(NOTIFICATION_DB_SCHEMA);

/** One row per (order, template): the guard that keeps a redelivery from notifying twice. */
export const notifications = schema.table(
  'notifications',
  {
    orderId: uuid('order_id').notNull(),
    template: text('template').notNull(),
    recipient: text('recipient').notNull(),
    channel: text('channel').notNull(),
    providerMessageId: text('provider_message_id'),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.template] })],
);

/**
 * The simulated provider's delivery log: one row per message it actually sent, append-only. No unique key on purpose:
 * it records what the provider did, so a customer notified twice shows here as two rows.
 */
export const providerDeliveries = schema.table('provider_deliveries', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  orderId: text('order_id').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  recipient: text('recipient').notNull(),
  template: text('template').notNull(),
  messageId: text('message_id').notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** The simulated provider's idempotency memory: idempotency key -> message id, until it expires (~24 h). */
export const providerIdempotencyKeys = schema.table('provider_idempotency_keys', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  messageId: text('message_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});
