/**
 * Injection tokens of @app/persistence. Namespaced strings so they read well in Nest's error messages.
 * Only DATABASE, OUTBOX_PUBLISHER and OUTBOX_GATE are public; the others are internals of the module.
 */

/** The Drizzle database (`Database`, the driver-neutral `PgDatabase`). */
export const DATABASE = 'PERSISTENCE:DATABASE';

/** Where the outbox relay sends rows (`OutboxPublisher`); derived from the module options, overridable in tests. */
export const OUTBOX_PUBLISHER = 'PERSISTENCE:OUTBOX_PUBLISHER';

/** Optional policy (circuit breaker) wrapped around every relay publish (`OutboxGate`). */
export const OUTBOX_GATE = 'PERSISTENCE:OUTBOX_GATE';

/** @internal the resolved `PersistenceModuleOptions`. */
export const PERSISTENCE_OPTIONS = 'PERSISTENCE:OPTIONS';

/** @internal the open connection (driver handle + close), created and migrated before anything uses it. */
export const DATABASE_CONNECTION = 'PERSISTENCE:CONNECTION';

/** @internal the outbox/inbox Drizzle tables bound to the service's schema. */
export const PERSISTENCE_TABLES = 'PERSISTENCE:TABLES';

/** Defaults, in one place so the docs and the code agree. */
export const DEFAULTS = {
  poolSize: 10,
  batchSize: 100,
  sweepIntervalMs: 1_000,
  maxBackoffMs: 15_000,
  publishTimeoutMs: 10_000,
  /** Sent rows are kept this long (for inspection), then purged. 0 deletes a row as soon as it is sent. */
  retentionMs: 24 * 60 * 60 * 1_000,
  purgeIntervalMs: 60_000,
  /** Per-row retry schedule for rows the broker rejects (see `OutboxRelayOptions.isRejection`). */
  rejectedBaseDelayMs: 1_000,
  rejectedMaxDelayMs: 5 * 60_000,
  /** How long start-up keeps retrying an unreachable database before giving up. */
  connectRetryMs: 30_000,
} as const;
