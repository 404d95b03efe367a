import { pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
