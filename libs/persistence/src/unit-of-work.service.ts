import { Inject, Injectable } from '@nestjs/common';

import type { Database, Tx } from './database/database.types';
import { Inbox, type InboxResult } from './inbox/inbox.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { DATABASE } from './persistence.constants';

/**
 * One entry point for business code: `handleOnce(consumer, event, fn)` for event handlers (inbox entry, state change
 * and outcome events in one transaction), `transactional(fn)` for everything else, then a wake-up of the relay so
 * events leave promptly.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    @Inject(DATABASE) readonly db: Database,
    private readonly inbox: Inbox,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Handles an event at most once per consumer: the inbox entry (consumer, event id), `fn`'s state change and the
   * outbox rows it enqueues commit in one transaction, so a redelivered or republished event changes nothing the
   * second time and `fn` is not called (`{ duplicate: true }`). If `fn` throws, nothing is recorded and a redelivery
   * runs it again. The inbox insert is the transaction's first statement: a concurrent delivery of the same event
   * waits on its key instead of running `fn` alongside.
   */
  handleOnce<T>(consumer: string, event: { id: string }, fn: (tx: Tx) => Promise<T>): Promise<InboxResult<T>> {
    return this.transactional((tx) => this.inbox.runOnce(tx, consumer, event.id, fn));
  }

  /**
   * Records the event as handled without a state change (the handler found its work already done): one statement,
   * no transaction. Returns false when it was recorded before.
   */
  markHandled(consumer: string, event: { id: string }): Promise<boolean> {
    return this.inbox.record(this.db, consumer, event.id);
  }

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
