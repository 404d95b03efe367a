// Public API of @app/persistence: a chosen list, internals stay unexported.
export { PersistenceModule } from './persistence.module';
export { DATABASE, OUTBOX_GATE, OUTBOX_PUBLISHER } from './persistence.constants';
export type {
  Migration,
  OutboxCodec,
  OutboxEvent,
  OutboxGate,
  OutboxHeaders,
  OutboxPublisher,
  OutboxRelayOptions,
  OutboxTracing,
  PersistenceModuleAsyncOptions,
  PersistenceModuleOptions,
} from './persistence.interfaces';
export type { Database, Tx } from './database/database.types';
export { DatabaseHealth, DatabaseUnavailableError } from './database/database.health';
export { UnitOfWork } from './unit-of-work.service';
export { Inbox, type InboxResult } from './inbox/inbox.service';
export { EventOutbox, CORRELATION_ID_HEADER } from './outbox/event-outbox.service';
export { OutboxRepository, type OutboxBacklog, type OutboxEntry } from './outbox/outbox.repository';
export { OutboxRelay, type OutboxRelayStatus, type RelayPassResult } from './outbox/outbox-relay.service';
export { isBrokerRejection, OutboxPublishTimeoutError } from './outbox/outbox.errors';
export { otelOutboxTracing } from './outbox/outbox.tracing';
export { runMigrations, type MigrationLogger, type MigrationResult } from './migrations/migration.runner';
export { type MigrationPlan } from './migrations/migration-plan';
export { openConnection } from './database/database.connection';
