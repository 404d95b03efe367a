import { Inject, Injectable } from '@nestjs/common';

import type { Database, Tx } from './database/database.types';
import { Inbox } from './inbox/inbox.service';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { DATABASE } from './persistence.constants';

/**
 * One entry point for business code: the database, the inbox, and `transactional(fn)`, which commits `fn`'s
 * changes together with any outbox rows and the inbox entry, then wakes the relay so events leave promptly.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    @Inject(DATABASE) readonly db: Database,
    readonly inbox: Inbox,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Runs `fn` in a transaction (rolled back when it throws). If outbox rows were added meanwhile, the relay is
   * notified after the commit, never before: a row it cannot see yet would wait for the next sweep.
   */
  async transactional<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    // A counter rather than per-transaction tracking also catches rows added in nested savepoints; a concurrent
    // transaction's write can cause an extra wake-up, which is harmless.
    const before = this.outbox.writeCount;
    const result = await this.db.transaction(fn);
    if (this.outbox.writeCount !== before) this.relay.notify();
    return result;
  }
}
