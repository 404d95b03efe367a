import { bigint, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

import type { ChargeResult } from '../gateway/payment-gateway.interfaces';

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

/**
 * The simulated gateway's charge log: one row per charge it actually made, append-only. No unique key on the order
 * on purpose: it records what the gateway did, so a double charge is visible here as two rows.
 */
export const gatewayCharges = schema.table('gateway_charges', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  orderId: text('order_id').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  transactionId: text('transaction_id').notNull(),
  chargedAt: timestamp('charged_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** The simulated gateway's idempotency memory: idempotency key -> the first answer, until it expires (~24 h). */
export const gatewayIdempotencyKeys = schema.table('gateway_idempotency_keys', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  result: jsonb('result').$type<ChargeResult>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});
