// Public API of @app/persistence: a chosen list, internals stay unexported.
export { PersistenceModule } from './persistence.module';
export { DATABASE } from './persistence.constants';
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
export { DatabaseHealth } from './database/database.health';
export { UnitOfWork } from './unit-of-work.service';
export { EventOutbox } from './outbox/event-outbox.service';
export { type OutboxBacklog } from './outbox/outbox.repository';
export { OutboxRelay } from './outbox/outbox-relay.service';
export { runMigrations } from './migrations/migration.runner';
export { type MigrationPlan } from './migrations/migration-plan';
export { openConnection } from './database/database.connection';
