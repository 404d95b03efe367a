import { createHash } from 'node:crypto';

import type { DatabaseConnection } from '../database/database.types';
import type { Migration } from '../persistence.interfaces';
import { assertSchemaName, persistenceMigrations, quoteIdent } from './persistence.migrations';

/** Where the runner reports; Nest's Logger and `console` both fit. */
export interface MigrationLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface MigrationResult {
  /** Ids applied by this run, in order (empty when the database was up to date). */
  applied: string[];
}

/**
 * Applies the module's own migrations (outbox, inbox) and then the app's, each once, recorded in
 * `<schema>.schema_migrations`.
 *
 * Why not drizzle-kit's migrator: it reads SQL files and a journal from a folder at run time, and the apps ship as a
 * single webpack bundle (`dist/apps/<app>/main.js`) that carries no such folder. Migrations are therefore plain
 * TypeScript data compiled into the bundle; drizzle-kit can still generate the SQL that goes into them.
 *
 * Concurrency: replicas start together, so the whole run is one transaction holding a transaction-level advisory
 * lock derived from the schema name. The second replica waits, then sees the first one's rows and applies nothing.
 * All pending migrations commit together or not at all (PostgreSQL DDL is transactional); a statement that cannot
 * run in a transaction (CREATE INDEX CONCURRENTLY) is therefore not supported here.
 */
export async function runMigrations(
  connection: DatabaseConnection,
  schema: string,
  migrations: readonly Migration[],
  logger?: MigrationLogger,
): Promise<MigrationResult> {
  assertSchemaName(schema);
  const all = [...persistenceMigrations(schema), ...migrations];
  assertUniqueIds(all);
  const s = quoteIdent(schema);
  return connection.transaction(async (session) => {
    await session.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryLockKey(schema)]);
    await session.exec(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    const rows = await session.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${s}.schema_migrations`);
    const done = new Map(rows.map((row) => [row.id, row.checksum]));
    const applied: string[] = [];
    for (const migration of all) {
      const checksum = checksumOf(migration.sql);
      const recorded = done.get(migration.id);
      if (recorded !== undefined) {
        if (recorded !== checksum) {
          logger?.warn(
            `migration ${migration.id} changed after it was applied to schema ${schema}; the change is ignored (add a new migration instead)`,
          );
        }
        continue;
      }
      try {
        await session.exec(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.id} failed in schema ${schema}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      await session.query(`INSERT INTO ${s}.schema_migrations (id, checksum) VALUES ($1, $2)`, [migration.id, checksum]);
      applied.push(migration.id);
    }
    if (applied.length) logger?.log(`schema ${schema}: applied ${applied.length} migration(s): ${applied.join(', ')}`);
    return { applied };
  });
}

function assertUniqueIds(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const { id } of migrations) {
    if (!id || typeof id !== 'string') throw new Error('persistence: every migration needs a non-empty string id');
    if (seen.has(id)) throw new Error(`persistence: migration id ${id} appears twice`);
    seen.add(id);
  }
}

/** A stable signed 64-bit key per schema, so services on one server never wait for each other's migrations. */
export function advisoryLockKey(schema: string): string {
  return createHash('sha256').update(`persistence:migrate:${schema}`).digest().readBigInt64BE(0).toString();
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}
