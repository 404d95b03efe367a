import { Inject, Injectable } from '@nestjs/common';

import type { Database, Tx } from '../database/database.types';
import { PERSISTENCE_TABLES } from '../persistence.constants';
import type { PersistenceTables } from '../persistence.tables';

/** `Inbox.runOnce` outcome: the handler's result, or `duplicate` when the event was processed before. */
export type InboxResult<T> = { duplicate: false; result: T } | { duplicate: true };

/**
 * Processed-event log (`<schema>.inbox`, primary key (consumer, event_id)). Recording the event id in the same
 * transaction as the handler's state change makes a redelivered event change nothing the second time.
 */
@Injectable()
export class Inbox {
  constructor(@Inject(PERSISTENCE_TABLES) private readonly tables: PersistenceTables) {}

  /**
   * Runs `fn` once per (consumer, eventId), inside the caller's transaction. The insert takes the key first: a
   * concurrent delivery of the same event waits on it, then finds it taken (or takes it, if the first rolled back).
   * If `fn` throws, the caller's transaction rolls back and the id is not recorded, so a redelivery runs it again.
   */
  /** Inserts the (consumer, eventId) entry on its own; false when it was there already. */
  async record(db: Database | Tx, consumer: string, eventId: string): Promise<boolean> {
    const { inbox } = this.tables;
    const inserted = await db.insert(inbox).values({ consumer, eventId }).onConflictDoNothing().returning({ eventId: inbox.eventId });
    return inserted.length > 0;
  }

  async runOnce<T>(tx: Tx, consumer: string, eventId: string, fn: (tx: Tx) => Promise<T>): Promise<InboxResult<T>> {
    if (!(await this.record(tx, consumer, eventId))) return { duplicate: true };
    return { duplicate: false, result: await fn(tx) };
  }
}
