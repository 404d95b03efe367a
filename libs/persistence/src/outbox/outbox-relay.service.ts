import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';

import type { Database, DatabaseConnection, Tx } from '../database/database.types';
import { DATABASE, DATABASE_CONNECTION, DEFAULTS, OUTBOX_GATE, OUTBOX_PUBLISHER, PERSISTENCE_OPTIONS } from '../persistence.constants';
import type { OutboxGate, OutboxPublisher, OutboxTracing, PersistenceModuleOptions } from '../persistence.interfaces';
import type { OutboxRow } from '../persistence.tables';
import { describeError, publishWithin } from './outbox.errors';
import { type OutboxBacklog, OutboxRepository } from './outbox.repository';
import { otelOutboxTracing } from './outbox.tracing';
import {
  type BatchOutcome,
  type BatchResult,
  type OutboxRelayStatus,
  type RelayPassResult,
  type RelaySettings,
  relaySettings,
} from './outbox-relay.settings';

export type { OutboxRelayStatus, RelayPassResult } from './outbox-relay.settings';

/**
 * Publishes outbox rows: woken by `notify()` right after a transaction that wrote rows commits, and by a periodic
 * sweep (rows of other replicas, missed wake-ups, retries).
 *
 * Each batch is one transaction: lock the next unsent rows in `seq` order with `FOR UPDATE SKIP LOCKED` (replicas
 * never publish the same row concurrently), publish them with `Nats-Msg-Id` = row id inside each row's stored trace
 * context (the head row alone, then the rest pipelined; see `publishRows`), mark the published ones sent, commit. A
 * crash before the commit republishes under the same id, which JetStream de-duplicates. On PGlite (one connection)
 * rows are read, published, then recorded in a short transaction, so a hanging publish never blocks other queries.
 *
 * An outage (connection lost, timeout, breaker open) stops the batch at the failing row (pipelined rows the broker
 * stored count as sent) and backs the sweep off (1 s doubling to `maxBackoffMs`), logged when it starts and ends. A
 * row the broker rejects (`isBrokerRejection`) is never dropped: retried on its own schedule (1 s doubling to 5 min),
 * counted in `backlog().rejected`, and no longer holds back the rows after it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly settings: RelaySettings;
  private readonly tracing: OutboxTracing;
  private running = false;
  private stopping = false;
  private ticking = false;
  private wakeRequested = false;
  private timer?: NodeJS.Timeout;
  private current?: Promise<RelayPassResult>;
  private consecutiveFailures = 0;
  private outage?: { since: Date; lastError: string };
  private lastPurgeAt = 0;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly repository: OutboxRepository,
    @Inject(PERSISTENCE_OPTIONS) private readonly options: PersistenceModuleOptions,
    @Optional() @Inject(OUTBOX_PUBLISHER) private readonly publisher: OutboxPublisher | null,
    @Optional() @Inject(OUTBOX_GATE) private readonly gate: OutboxGate | null,
    @Inject(DATABASE_CONNECTION) private readonly connection: Pick<DatabaseConnection, 'driver'>,
  ) {
    this.settings = relaySettings(options.outbox);
    this.tracing = options.tracing ?? otelOutboxTracing;
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    if (!this.publisher) {
      this.logger.warn('no outbox publisher configured: the relay is not running and outbox rows will wait');
      return;
    }
    this.start();
  }

  /** Stops before the database closes (that happens in onApplicationShutdown); rows left unsent wait for the next start. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the wake-up/sweep loop (done on application bootstrap). */
  start(): void {
    if (this.running) return;
    if (!this.publisher) throw new Error('outbox relay: no publisher configured');
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop and waits for the batch in flight (it stops after the row being published). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.current?.catch(() => undefined);
    } finally {
      this.stopping = false;
    }
  }

  /** Wakes the relay now; call after a transaction that added outbox rows has committed. Cheap and coalesced. */
  notify(): void {
    if (!this.running) return;
    // While publishing fails the backoff decides when to try again; wake-ups would only hammer the broker.
    if (this.consecutiveFailures > 0) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Publishes everything publishable now (batch after batch) and reports. Passes never overlap. */
  publishPending(): Promise<RelayPassResult> {
    const previous = this.current ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.pass());
    this.current = next;
    void next
      .finally(() => {
        if (this.current === next) this.current = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  /** Unsent rows and the age of the oldest, for `/health/ready` details. */
  backlog(): Promise<OutboxBacklog> {
    return this.repository.backlog();
  }

  status(): OutboxRelayStatus {
    return {
      running: this.running,
      ...(this.outage ? { outage: { since: this.outage.since.toISOString(), lastError: this.outage.lastError } } : {}),
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    // From the root context: the timer would otherwise inherit the context of whoever called notify() (a request or
    // message handler), and every later sweep would re-arm from it, adding its spans to that trace forever.
    this.timer = setTimeout(() => context.with(ROOT_CONTEXT, () => void this.tick()), delayMs);
    // The relay alone must not keep a process (or a test) alive.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.running || this.ticking) return;
    this.ticking = true;
    this.wakeRequested = false;
    let failed: boolean;
    try {
      failed = (await this.publishPending()).failed;
      if (!failed) await this.purgeIfDue();
    } finally {
      this.ticking = false;
    }
    if (failed) {
      const backoff = Math.min(this.settings.sweepIntervalMs * 2 ** Math.min(this.consecutiveFailures - 1, 20), this.settings.maxBackoffMs);
      this.schedule(backoff);
    } else {
      this.schedule(this.wakeRequested ? 0 : this.settings.sweepIntervalMs);
    }
  }

  private async pass(): Promise<RelayPassResult> {
    if (!this.publisher) throw new Error('outbox relay: no publisher configured');
    const result: RelayPassResult = { published: 0, rejected: 0, failed: false };
    try {
      for (;;) {
        const batch = await this.publishBatch(this.publisher);
        result.published += batch.published;
        result.rejected += batch.rejected;
        if (batch.failure !== undefined) {
          result.failed = true;
          result.error = batch.failure;
          break;
        }
        if (batch.locked < this.settings.batchSize || this.stopping) break;
      }
    } catch (error) {
      // The database itself failed (down, restarted): the same as an outage, rows stay where they are.
      result.failed = true;
      result.error = error;
    }
    this.track(result);
    return result;
  }

  private async publishBatch(publisher: OutboxPublisher): Promise<BatchResult> {
    const { batchSize } = this.settings;
    if (this.connection.driver === 'pglite') {
      // PGlite is a single connection: a transaction held open across publishes would stall every query of the
      // service (POST /orders included) until the broker answers or the publish times out. One process is its only
      // user and passes never overlap, so no row lock is needed: read, publish, then record in a short transaction.
      const rows = await this.repository.lockBatch(this.db as unknown as Tx, batchSize);
      const outcome = await this.publishRows(publisher, rows);
      await this.db.transaction((tx) => this.record(tx, outcome));
      return this.summarize(rows.length, outcome);
    }
    return this.db.transaction(async (tx) => {
      const rows = await this.repository.lockBatch(tx, batchSize);
      const outcome = await this.publishRows(publisher, rows);
      await this.record(tx, outcome);
      return this.summarize(rows.length, outcome);
    });
  }

  /**
   * Publishes rows in order and writes nothing. The head row goes alone: while the broker is unreachable only it is
   * retried and nothing overtakes it. Once it is stored, the rest of the batch is pipelined: all publishes are sent
   * in row order on one connection (so the stream stores them in that order) and their acks awaited together,
   * instead of one round trip per row. If one of them fails, the rows after it that were stored count as sent (the
   * broker has them; a republish would be de-duplicated anyway) and the pass stops at the failed one.
   */
  private async publishRows(publisher: OutboxPublisher, rows: OutboxRow[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { sent: [], rejected: [] };
    let next = 0;
    while (next < rows.length && !this.stopping && !outcome.failure) {
      const window = rows.slice(next, next === 0 ? 1 : rows.length);
      next += window.length;
      const results = await Promise.allSettled(window.map((row) => this.publishRow(publisher, row)));
      results.forEach((result, index) => {
        const row = window[index];
        if (result.status === 'fulfilled') outcome.sent.push(row.id);
        else if (this.settings.isRejection(result.reason)) outcome.rejected.push({ row, error: result.reason });
        else outcome.failure ??= { row, error: result.reason ?? new Error('publish failed') };
      });
    }
    return outcome;
  }

  private async record(tx: Tx, outcome: BatchOutcome): Promise<void> {
    for (const { row, error } of outcome.rejected) await this.reject(tx, row, error);
    if (outcome.failure) await this.repository.recordFailure(tx, outcome.failure.row.id, describeError(outcome.failure.error), null);
    await this.repository.markSent(tx, outcome.sent, this.settings.retentionMs === 0);
  }

  private summarize(locked: number, outcome: BatchOutcome): BatchResult {
    return { locked, published: outcome.sent.length, rejected: outcome.rejected.length, failure: outcome.failure?.error };
  }

  private publishRow(publisher: OutboxPublisher, row: OutboxRow): Promise<unknown> {
    const headers = { ...(row.headers ?? {}) };
    const send = () =>
      publishWithin(row.subject, this.settings.publishTimeoutMs, publisher.publish(row.subject, row.payload, { msgId: row.id, headers }));
    // The send span (created by the publisher's instrumentation) becomes a child of the transaction that wrote the row.
    return context.with(this.tracing.restore(headers), () => (this.gate ? this.gate.execute(send) : send()));
  }

  private async reject(tx: Tx, row: OutboxRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const delay = Math.min(DEFAULTS.rejectedBaseDelayMs * 2 ** Math.min(attempts - 1, 20), DEFAULTS.rejectedMaxDelayMs);
    await this.repository.recordFailure(tx, row.id, describeError(error), delay);
    if (attempts === 1 || attempts % 10 === 0) {
      this.logger.error(
        `outbox row ${row.id} (${row.subject}) rejected by the broker, attempt ${attempts}: ${describeError(error)}; ` +
          `it stays in the outbox and is retried in ${Math.round(delay / 1000)} s`,
      );
    }
  }

  private track(result: RelayPassResult): void {
    if (result.failed) {
      this.consecutiveFailures++;
      const lastError = describeError(result.error);
      if (!this.outage) {
        this.outage = { since: new Date(), lastError };
        this.logger.warn(`outbox publishing failed; unsent rows wait and are retried with backoff: ${lastError}`);
      } else {
        this.outage.lastError = lastError;
      }
      return;
    }
    if (this.outage) {
      const seconds = Math.round((Date.now() - this.outage.since.getTime()) / 1000);
      this.logger.log(`outbox publishing recovered after ${seconds} s (${result.published} row(s) published)`);
      this.outage = undefined;
    }
    this.consecutiveFailures = 0;
  }

  private async purgeIfDue(): Promise<void> {
    const { retentionMs } = this.settings;
    if (retentionMs === 0 || Date.now() - this.lastPurgeAt < DEFAULTS.purgeIntervalMs) return;
    this.lastPurgeAt = Date.now();
    try {
      const purged = await this.repository.purgeSent(retentionMs);
      if (purged) this.logger.debug(`purged ${purged} sent outbox row(s) older than ${retentionMs} ms`);
    } catch (error) {
      this.logger.warn(`purging sent outbox rows failed: ${describeError(error)}`);
    }
  }
}
