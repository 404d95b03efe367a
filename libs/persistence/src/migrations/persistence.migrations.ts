import type { Migration } from '../persistence.interfaces';

/** Ids of the module's own migrations are prefixed so they can never collide with an app's `0001_...`. */
export const PERSISTENCE_MIGRATION_PREFIX = 'persistence:';

/**
 * The outbox and inbox tables, created in the service's schema before the app's own migrations.
 * Append only, like the apps' migrations.
 */
export function persistenceMigrations(schema: string): Migration[] {
  const s = quoteIdent(schema);
  return [
    {
      id: `${PERSISTENCE_MIGRATION_PREFIX}0001_outbox_inbox`,
      sql: `
        CREATE TABLE ${s}.outbox (
          id uuid PRIMARY KEY,
          -- Publishing order. A sequence, not created_at: it is strictly increasing even when several rows share one
          -- transaction (now() is the transaction's start) or the clock steps back.
          seq bigint GENERATED ALWAYS AS IDENTITY,
          subject text NOT NULL,
          payload bytea NOT NULL,
          headers jsonb NOT NULL DEFAULT '{}'::jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          sent_at timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          last_error text,
          -- Set only for rows the broker rejected: they wait for their own retry time (see OutboxRelay).
          next_attempt_at timestamptz
        );
        CREATE INDEX outbox_unsent_idx ON ${s}.outbox (seq) WHERE sent_at IS NULL;
        CREATE INDEX outbox_sent_idx ON ${s}.outbox (sent_at) WHERE sent_at IS NOT NULL;
        CREATE TABLE ${s}.inbox (
          consumer text NOT NULL,
          event_id text NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, event_id)
        );
      `,
    },
  ];
}

/** PostgreSQL schema names we accept: lower-case identifiers, so they never need case-sensitive quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `schema` is a plain lower-case identifier other than `public` (Drizzle's `pgSchema` refuses it). */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema) || schema === 'public' || schema.startsWith('pg_')) {
    throw new Error(`persistence: schema must be a lower-case identifier (not public, not pg_*); got "${schema}"`);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
