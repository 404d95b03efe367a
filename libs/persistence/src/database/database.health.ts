import { withTimeout } from '@app/messaging';
import { Inject, Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { sql } from 'drizzle-orm';

import { OutboxRelay } from '../outbox/outbox-relay.service';
import { DATABASE } from '../persistence.constants';
import type { Database } from './database.types';

/** The database did not answer `SELECT 1` in time, or answered with an error. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** Readiness of the database, bounded by a timeout so `/health/ready` never hangs on it. */
@Injectable()
export class DatabaseHealth {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly relay: OutboxRelay,
  ) {}

  /** Resolves with the round-trip time of `SELECT 1`; rejects with `DatabaseUnavailableError`. */
  async ping(timeoutMs = 1_000): Promise<{ latencyMs: number }> {
    const started = Date.now();
    try {
      await withTimeout(this.db.execute(sql`select 1`), timeoutMs, () => new DatabaseUnavailableError(`no answer within ${timeoutMs} ms`));
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) throw error;
      throw new DatabaseUnavailableError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    return { latencyMs: Date.now() - started };
  }

  /**
   * A readiness check for `ReadinessRegistry.register('database', () => health.check())`: `up` with the latency
   * and the outbox backlog, or `down` with the reason. Never throws. The backlog is information, not a failure:
   * rows waiting for NATS must not take the API out of the load balancer.
   */
  async check(key = 'database', timeoutMs = 1_000): Promise<HealthIndicatorResult> {
    try {
      const { latencyMs } = await this.ping(timeoutMs);
      const backlog = await withTimeout(this.relay.backlog(), timeoutMs, 'outbox backlog').catch(() => undefined);
      return { [key]: { status: 'up', latencyMs, ...(backlog ? { outbox: { ...backlog, ...this.relay.status() } } : {}) } };
    } catch (error) {
      return { [key]: { status: 'down', message: error instanceof Error ? error.message : String(error) } };
    }
  }
}
