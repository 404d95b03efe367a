import { type DynamicModule, Module } from '@nestjs/common';

import { DatabaseHealth } from './database/database.health';
import { DatabaseLifecycle } from './database/database.lifecycle';
import { Inbox } from './inbox/inbox.service';
import { EventOutbox } from './outbox/event-outbox.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { DATABASE, OUTBOX_GATE, OUTBOX_PUBLISHER, PERSISTENCE_OPTIONS } from './persistence.constants';
import type { PersistenceModuleAsyncOptions, PersistenceModuleOptions } from './persistence.interfaces';
import { createPersistenceProviders } from './persistence.providers';
import { UnitOfWork } from './unit-of-work.service';

const SERVICES = [OutboxRepository, OutboxRelay, EventOutbox, Inbox, UnitOfWork, DatabaseHealth, DatabaseLifecycle];
const EXPORTS = [DATABASE, OUTBOX_PUBLISHER, OUTBOX_GATE, OutboxRepository, OutboxRelay, EventOutbox, Inbox, UnitOfWork, DatabaseHealth];

/**
 * The service's database: Drizzle over a pg pool (DATABASE_URL) or embedded PGlite, migrated at start, with the
 * transactional outbox (repository + relay) and the inbox. Global by default: a service has one database.
 */
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceModuleOptions & { isGlobal?: boolean }): DynamicModule {
    return PersistenceModule.forRootAsync({ useFactory: () => options, isGlobal: options.isGlobal });
  }

  static forRootAsync(options: PersistenceModuleAsyncOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: options.isGlobal ?? true,
      imports: options.imports ?? [],
      providers: [
        { provide: PERSISTENCE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        ...createPersistenceProviders(),
        ...SERVICES,
      ],
      exports: EXPORTS,
    };
  }
}
