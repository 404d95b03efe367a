import { bigint, customType, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

import type { OutboxHeaders } from './persistence.interfaces';

/** bytea as Uint8Array: node-postgres returns Buffer (a Uint8Array), PGlite a Uint8Array. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // pg sends Buffers as binary bytea; a plain Uint8Array view is wrapped without copying.
  toDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
  fromDriver: (value) => value,
});

/** The outbox and inbox tables in the service's schema (created by `persistenceMigrations`; keep both in step). */
export function createPersistenceTables(schema: string) {
  const s = pgSchema(schema);
  const outbox = s.table('outbox', {
    id: uuid('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    subject: text('subject').notNull(),
    payload: bytea('payload').notNull(),
    headers: jsonb('headers').$type<OutboxHeaders>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
  });
  const inbox = s.table(
    'inbox',
    {
      consumer: text('consumer').notNull(),
      eventId: text('event_id').notNull(),
      processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
  );
  return { outbox, inbox };
}

export type PersistenceTables = ReturnType<typeof createPersistenceTables>;
export type OutboxRow = PersistenceTables['outbox']['$inferSelect'];
