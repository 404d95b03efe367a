import { setTimeout as sleep } from 'node:timers/promises';

import { Logger, type Provider } from '@nestjs/common';

import { openConnection } from './database/database.connection';
import type { DatabaseConnection } from './database/database.types';
import { runMigrations } from './migrations/migration.runner';
import { assertSchemaName } from './migrations/persistence.migrations';
import {
  DATABASE,
  DATABASE_CONNECTION,
  DEFAULTS,
  OUTBOX_GATE,
  OUTBOX_PUBLISHER,
  PERSISTENCE_OPTIONS,
  PERSISTENCE_TABLES,
} from './persistence.constants';
import type { PersistenceModuleOptions } from './persistence.interfaces';
import { createPersistenceTables } from './persistence.tables';

/** Errors that mean "the server is not reachable yet", worth retrying while the service starts. */
const CONNECT_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03']);

function isConnectError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONNECT_ERROR_CODES.has(code);
}

/**
 * Opens the database and applies migrations before any provider can use it: everything that injects DATABASE
 * waits for this factory, so the app never serves on an old schema. An unreachable server is retried for
 * `DEFAULTS.connectRetryMs` (containers start in any order); any other failure fails the start.
 */
export async function connectAndMigrate(options: PersistenceModuleOptions, logger = new Logger('Persistence')): Promise<DatabaseConnection> {
  assertSchemaName(options.schema);
  const deadline = Date.now() + DEFAULTS.connectRetryMs;
  for (let attempt = 1; ; attempt++) {
    const connection = await openConnection({
      serviceName: options.serviceName,
      databaseUrl: options.databaseUrl,
      dataDir: options.dataDir,
      poolSize: options.poolSize ?? DEFAULTS.poolSize,
      onPoolError: (error) => logger.warn(`idle database connection failed: ${error.message}`),
    });
    try {
      await runMigrations(connection, options.schema, options.migrations, logger);
      logger.log(`${connection.driver === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'} ready, schema ${options.schema} up to date`);
      return connection;
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (!isConnectError(error) || Date.now() >= deadline) throw error;
      const delay = Math.min(500 * attempt, 5_000);
      logger.warn(`database not reachable (${(error as Error).message}); retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

/** Providers derived from the options token; the module adds the injectable classes. */
export function createPersistenceProviders(): Provider[] {
  return [
    {
      provide: DATABASE_CONNECTION,
      useFactory: (options: PersistenceModuleOptions) => connectAndMigrate(options),
      inject: [PERSISTENCE_OPTIONS],
    },
    {
      provide: DATABASE,
      useFactory: (connection: DatabaseConnection) => connection.db,
      inject: [DATABASE_CONNECTION],
    },
    {
      provide: PERSISTENCE_TABLES,
      // Checked here too: this factory may run before connectAndMigrate, and Drizzle's own refusal of `public`
      // would otherwise hide which option is wrong and why.
      useFactory: (options: PersistenceModuleOptions) => {
        assertSchemaName(options.schema);
        return createPersistenceTables(options.schema);
      },
      inject: [PERSISTENCE_OPTIONS],
    },
    {
      provide: OUTBOX_PUBLISHER,
      useFactory: (options: PersistenceModuleOptions) => options.publisher ?? null,
      inject: [PERSISTENCE_OPTIONS],
    },
    {
      provide: OUTBOX_GATE,
      useFactory: (options: PersistenceModuleOptions) => options.gate ?? null,
      inject: [PERSISTENCE_OPTIONS],
    },
  ];
}
