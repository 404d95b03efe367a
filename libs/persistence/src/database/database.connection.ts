import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { Pool } from 'pg';

import type { Database, DatabaseConnection, SqlSession } from './database.types';
import { claimPgliteDir } from './pglite-lock';

/** What is needed to open the service's database. */
export interface ConnectionOptions {
  serviceName: string;
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** Who holds an embedded database folder, named to whoever else tries to open it; default serviceName. */
  owner?: string;
  /** Called for errors of idle pool clients (server restart, network); they must not crash the process. */
  onPoolError?: (error: Error) => void;
}

/**
 * Opens PostgreSQL through a `pg.Pool` when a URL is given, otherwise embedded PGlite stored under
 * `<dataDir>/<serviceName>` (so `npm start` needs nothing but NATS).
 */
export async function openConnection(options: ConnectionOptions): Promise<DatabaseConnection> {
  return options.databaseUrl ? openPostgres(options, options.databaseUrl) : openPglite(options);
}

function openPostgres(options: ConnectionOptions, url: string): DatabaseConnection {
  const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10, application_name: options.serviceName });
  // Without a listener, an idle client's error (e.g. the server restarting) is an unhandled 'error' event: a crash.
  pool.on('error', (error) => options.onPoolError?.(error));
  // pg-pool removes that listener from a client while it is checked out: a connection killed in the middle of a
  // transaction (server restart, failover, pg_terminate_backend) would then crash the process. The query in flight
  // fails on its own; this only keeps the event from being unhandled.
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
  const db = drizzleNodePg({ client: pool }) as unknown as Database;
  let closed = false;
  return {
    driver: 'postgres',
    db,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const session: SqlSession = {
          // No parameters => simple query protocol, which accepts several statements in one string.
          exec: async (sql) => void (await client.query(sql)),
          query: async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => (await client.query<R>(sql, params)).rows,
        };
        const result = await fn(session);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is broken: hand it back as such so the pool discards it.
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => (rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))),
        );
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function openPglite(options: ConnectionOptions): Promise<DatabaseConnection> {
  const dir = resolve(join(options.dataDir, options.serviceName));
  await mkdir(dir, { recursive: true });
  const release = await claimPgliteDir(dir, options.owner ?? options.serviceName);
  const client = new PGlite(dir);
  try {
    await client.waitReady;
  } catch (error) {
    await release();
    throw error;
  }
  const db = drizzlePglite({ client }) as unknown as Database;
  return {
    driver: 'pglite',
    db,
    transaction: (fn) =>
      client.transaction((tx) =>
        fn({
          exec: async (sql) => void (await tx.exec(sql)),
          query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows,
        }),
      ),
    async close() {
      if (!client.closed) await client.close();
      await release();
    },
  };
}
