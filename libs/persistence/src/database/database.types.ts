import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * The Drizzle database as business code sees it: the driver-neutral `PgDatabase` base, so the same repository
 * code runs on node-postgres (DATABASE_URL) and on embedded PGlite.
 */
export type Database = PgDatabase<PgQueryResultHKT>;

/** An open transaction (`db.transaction(async (tx) => ...)`); it is also a `Database`, so helpers can take either. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Raw access to one session, for what Drizzle's prepared statements cannot do (multi-statement migration SQL). */
export interface SqlSession {
  /** Runs one or more statements without parameters (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** An open database: the Drizzle handle plus what the module needs to migrate and close it. */
export interface DatabaseConnection {
  readonly driver: 'postgres' | 'pglite';
  readonly db: Database;
  /** Runs `fn` in BEGIN/COMMIT on one session (ROLLBACK when it throws). */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
