import { bigint, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** payment-service owns the `payments` PostgreSQL schema. */
export const PAYMENT_DB_SCHEMA = 'payments';
const schema = pgSchema(PAYMENT_DB_SCHEMA);

/** At most one payment per order (the primary key), whatever the number of deliveries. */
export const payments = schema.table('payments', {
  orderId: uuid('order_id').primaryKey(),
  status: text('status').$type<'COMPLETED' | 'FAILED'>().notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  transactionId: text('transaction_id'),
  reason: text('reason'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});
