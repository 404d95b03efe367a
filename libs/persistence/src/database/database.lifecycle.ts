import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

import { DATABASE_CONNECTION } from '../persistence.constants';
import type { DatabaseConnection } from './database.types';

/**
 * Closes the pool (or PGlite) in onApplicationShutdown, the last lifecycle phase: the relay has stopped in
 * beforeApplicationShutdown and message handlers have settled by then, so nothing still needs a connection.
 */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');

  constructor(@Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.connection.close();
    } catch (error) {
      this.logger.warn(`closing the database failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
