import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';

import type { Database, Tx } from '../database/database.types';
import { DATABASE, PERSISTENCE_TABLES } from '../persistence.constants';
import type { OutboxHeaders } from '../persistence.interfaces';
import type { OutboxRow, PersistenceTables } from '../persistence.tables';

/** A row to publish later: the exact bytes, under the event id (which becomes `Nats-Msg-Id`). */
export interface OutboxEntry {
  /** Event id, a UUID; the row's primary key and the broker's de-duplication id. */
  id: string;
  subject: string;
  data: Uint8Array;
  headers?: OutboxHeaders;
}

/** What is waiting to be published, for health details and alerts. */
export interface OutboxBacklog {
  /** Rows not yet published. */
  unsent: number;
  /** Age of the oldest unsent row in ms (0 when none); a growing value means the relay is stuck. */
  oldestAgeMs: number;
  /** Unsent rows that have failed at least once. */
  failing: number;
  /** Unsent rows the broker rejected, waiting for their own retry time. */
  rejected: number;
}

/** All SQL on the `<schema>.outbox` table. Writes take the caller's transaction. */
@Injectable()
export class OutboxRepository {
  private writes = 0;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(PERSISTENCE_TABLES) private readonly tables: PersistenceTables,
  ) {}

  /**
   * Adds a row inside the caller's transaction: it exists if and only if the business change commits.
   * Call `OutboxRelay.notify()` after the commit (or use `UnitOfWork.transactional`, which does it).
   */
  async add(tx: Tx, entry: OutboxEntry): Promise<void> {
    await tx.insert(this.tables.outbox).values({ id: entry.id, subject: entry.subject, payload: entry.data, headers: entry.headers ?? {} });
    this.writes++;
  }

  /** Increases on every `add`; lets `UnitOfWork` tell whether a transaction (or a concurrent one) wrote rows. */
  get writeCount(): number {
    return this.writes;
  }

  /**
   * Locks the next unsent rows in publishing order; rows locked by another relay are skipped, so replicas share
   * the work without publishing a row twice. Rejected rows are left out until their retry time.
   */
  async lockBatch(tx: Tx, limit: number): Promise<OutboxRow[]> {
    const { outbox } = this.tables;
    return tx
      .select()
      .from(outbox)
      .where(and(isNull(outbox.sentAt), or(isNull(outbox.nextAttemptAt), lte(outbox.nextAttemptAt, sql`now()`))))
      .orderBy(asc(outbox.seq))
      .limit(limit)
      .for('update', { skipLocked: true });
  }

  /** Marks rows published; with `deleteNow` (retention 0) removes them instead. */
  async markSent(tx: Tx, ids: string[], deleteNow: boolean): Promise<void> {
    if (!ids.length) return;
    const { outbox } = this.tables;
    if (deleteNow) {
      await tx.delete(outbox).where(inArray(outbox.id, ids));
      return;
    }
    await tx
      .update(outbox)
      .set({ sentAt: sql`now()`, attempts: sql`${outbox.attempts} + 1`, lastError: null, nextAttemptAt: null })
      .where(inArray(outbox.id, ids));
  }

  /**
   * Records a failed attempt. `retryInMs` set means "rejected: skip this row until then" (computed on the database
   * clock, which `lockBatch` compares against); null keeps the row first in line.
   */
  async recordFailure(tx: Tx, id: string, error: string, retryInMs: number | null): Promise<void> {
    const { outbox } = this.tables;
    await tx
      .update(outbox)
      .set({
        attempts: sql`${outbox.attempts} + 1`,
        lastError: error.slice(0, 2000),
        nextAttemptAt: retryInMs === null ? null : sql`now() + make_interval(secs => ${retryInMs / 1000})`,
      })
      .where(eq(outbox.id, id));
  }

  /** Deletes rows sent longer ago than `retentionMs`, at most `limit` per call. Returns how many. */
  async purgeSent(retentionMs: number, limit = 1000): Promise<number> {
    const { outbox } = this.tables;
    const cutoff = sql`now() - make_interval(secs => ${retentionMs / 1000})`;
    const old = this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, cutoff)))
      .limit(limit);
    const deleted = await this.db.delete(outbox).where(inArray(outbox.id, old)).returning({ id: outbox.id });
    return deleted.length;
  }

  async backlog(): Promise<OutboxBacklog> {
    const { outbox } = this.tables;
    const [row] = await this.db
      .select({
        unsent: sql<number>`count(*)::int`,
        oldestAgeMs: sql<number | null>`(extract(epoch from (now() - min(${outbox.createdAt}))) * 1000)::float8`,
        failing: sql<number>`(count(*) filter (where ${outbox.attempts} > 0))::int`,
        rejected: sql<number>`(count(*) filter (where ${outbox.nextAttemptAt} is not null))::int`,
      })
      .from(outbox)
      .where(isNull(outbox.sentAt));
    return {
      unsent: Number(row?.unsent ?? 0),
      oldestAgeMs: Math.max(0, Math.round(Number(row?.oldestAgeMs ?? 0))),
      failing: Number(row?.failing ?? 0),
      rejected: Number(row?.rejected ?? 0),
    };
  }
}
