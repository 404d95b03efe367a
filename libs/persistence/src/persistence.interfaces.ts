import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';

/**
 * One schema change, shipped as data inside the app's bundle (see `migrations/migration.runner.ts` for why).
 * Append only: never edit or reorder a migration that has run somewhere.
 */
export interface Migration {
  /** Unique and stable, e.g. `0001_orders`. Recorded in `<schema>.schema_migrations`. */
  id: string;
  /** One or more SQL statements; they run inside the migration transaction. */
  sql: string;
}

/** Headers stored with an outbox row and handed to the publisher: W3C trace context, correlation id. */
export type OutboxHeaders = Record<string, string>;

/**
 * Sends one outbox row to the broker. The app adapts `EventPublisher.publishRaw` (turning the header record into
 * NATS headers); tests pass an in-memory fake. Rejecting means "not published": the row stays and is retried.
 */
export interface OutboxPublisher {
  publish(subject: string, data: Uint8Array, options: { msgId: string; headers: OutboxHeaders }): Promise<unknown>;
}

/** A policy around each publish, typically the circuit breaker from @app/resilience (its `execute` fits). */
export interface OutboxGate {
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

/** The minimum `EventOutbox.enqueue` needs from an event; `EventEnvelope` from @app/contracts fits. */
export interface OutboxEvent {
  id: string;
  correlationid?: string;
}

/**
 * Encodes (and validates) an event into the exact bytes to publish; `cloudEventCodec` from @app/contracts fits.
 * Encoding at write time means an invalid event fails the business transaction instead of poisoning the outbox.
 */
export interface OutboxCodec {
  encode(event: OutboxEvent): { subject: string; msgId: string; data: Uint8Array };
}

/**
 * Carries the writer's trace context to the relay. Defaults to the global OpenTelemetry propagator, which is what
 * @app/telemetry's `serializeContext()`/`restoreContext()` use; pass those to make the dependency explicit.
 */
export interface OutboxTracing {
  capture(): OutboxHeaders;
  restore(headers: OutboxHeaders): Context;
}

/** Tuning of the outbox relay; every field has a default (see `DEFAULTS` in persistence.constants.ts). */
export interface OutboxRelayOptions {
  /** Start the relay on application bootstrap (default true when a publisher is configured). */
  enabled?: boolean;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Periodic sweep while healthy (default 1000 ms); catches rows written by other replicas or missed wake-ups. */
  sweepIntervalMs?: number;
  /** Upper bound of the sweep backoff while publishing fails (default 15000 ms). */
  maxBackoffMs?: number;
  /** A publish that has not settled by then counts as failed (default 10000 ms); it holds row locks meanwhile. */
  publishTimeoutMs?: number;
  /** How long sent rows are kept before being purged (default 24 h); 0 deletes rows as soon as they are sent. */
  retentionMs?: number;
  /**
   * Tells a permanent, row-specific refusal (no stream for the subject, payload too large) from an outage.
   * Rejected rows are retried on their own backoff (1 s doubling to 5 min) and no longer hold back the rows after
   * them; everything else stops the batch and backs the whole relay off. Default: `isBrokerRejection`.
   */
  isRejection?: (error: unknown) => boolean;
}

/** Options of `PersistenceModule.forRoot`/`forRootAsync`. */
export interface PersistenceModuleOptions {
  /** `order-service`, ...: names the PGlite directory and the pg `application_name`. */
  serviceName: string;
  /** The PostgreSQL schema the service owns, e.g. `orders`; holds its tables, outbox, inbox and migrations log. */
  schema: string;
  /** PostgreSQL connection string. Unset: embedded PGlite under `<dataDir>/<serviceName>`. */
  databaseUrl?: string;
  /** Root directory for embedded data (DATA_DIR). */
  dataDir: string;
  /** The app's migrations, in order. The outbox/inbox tables are added by the module itself. */
  migrations: readonly Migration[];
  /** pg pool size (default 10). Ignored by PGlite, which is a single connection. */
  poolSize?: number;
  /** Needed by `EventOutbox.enqueue`; `OutboxRepository.add` works without it. */
  codec?: OutboxCodec;
  /** Where the relay publishes. Without one the relay does not run (rows accumulate). */
  publisher?: OutboxPublisher;
  /** Circuit breaker (or any policy) around each publish. */
  gate?: OutboxGate;
  /** Trace context capture/restore; defaults to the global OpenTelemetry propagator. */
  tracing?: OutboxTracing;
  outbox?: OutboxRelayOptions;
}

/** `forRootAsync`: options from a factory, so they can come from validated config and injected clients. */
export interface PersistenceModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => PersistenceModuleOptions | Promise<PersistenceModuleOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inject?: FactoryProvider['inject'];
  /** Register the module globally (default true: a service has one database, used from every feature module). */
  isGlobal?: boolean;
}
