/**
 * Shared pieces of the @app/persistence integration tests: a tiny codec, an in-memory stand-in for the broker side
 * (the relay's `OutboxPublisher`), a controllable gate, a Nest testing module around `PersistenceModule.forRoot`,
 * and `waitFor` (poll a condition until a deadline instead of sleeping a fixed time).
 * The database is always real: PostgreSQL from `createTestDatabase()` or embedded PGlite.
 */
import { randomUUID } from 'node:crypto';

import {
  type Migration,
  type OutboxCodec,
  type OutboxEvent,
  type OutboxGate,
  type OutboxHeaders,
  type OutboxPublisher,
  PersistenceModule,
  type PersistenceModuleOptions,
  type runMigrations,
} from '@app/persistence';
import { Test, type TestingModule } from '@nestjs/testing';
import { context, trace } from '@opentelemetry/api';
import { Client } from 'pg';

/** The event shape used by these tests; `EventEnvelope` from @app/contracts is a richer version of the same. */
export interface TestEvent extends OutboxEvent {
  id: string;
  type: string;
  correlationid: string;
  data: { n: number };
}

export function testEvent(n: number, type = 'things.happened'): TestEvent {
  return { id: randomUUID(), type, correlationid: `corr-${n}`, data: { n } };
}

/** Encodes to JSON under subject = type, msgId = id; refuses an event without a type (as a validating codec would). */
export const testCodec: OutboxCodec = {
  encode(event) {
    const e = event as Partial<TestEvent>;
    if (typeof e.type !== 'string' || !e.type) throw new Error(`invalid event ${event.id}: type is required`);
    return { subject: e.type, msgId: event.id, data: new TextEncoder().encode(JSON.stringify(event)) };
  },
};

/** One publish the fake broker accepted. */
export interface Published {
  subject: string;
  msgId: string;
  headers: OutboxHeaders;
  event: TestEvent;
  /** The trace id active while `publish` ran (the relay restores the row's stored context around it). */
  activeTraceId?: string;
  /** Which publisher (app instance) accepted it. */
  by: string;
}

/** Decides the fate of one publish: resolve to accept it, throw to fail it. May wait (to hold a batch's locks). */
export type PublishBehaviour = (msgId: string, attempt: number) => void | Promise<void>;

/**
 * The broker side as the relay sees it. `accepted` is shared between instances when one log is passed in, so two
 * "app instances" can be counted together by msgId. Every call (accepted or not) is in `attempts`.
 */
export class FakeBroker implements OutboxPublisher {
  behaviour: PublishBehaviour = () => undefined;
  readonly attempts: string[] = [];

  constructor(
    readonly name = 'broker',
    readonly accepted: Published[] = [],
  ) {}

  async publish(subject: string, data: Uint8Array, options: { msgId: string; headers: OutboxHeaders }): Promise<unknown> {
    this.attempts.push(options.msgId);
    const attempt = this.attempts.filter((id) => id === options.msgId).length;
    const activeTraceId = trace.getSpanContext(context.active())?.traceId;
    await this.behaviour(options.msgId, attempt);
    const event = JSON.parse(new TextDecoder().decode(data)) as TestEvent;
    this.accepted.push({ subject, msgId: options.msgId, headers: { ...options.headers }, event, activeTraceId, by: this.name });
    return { seq: this.accepted.length };
  }

  ids(): string[] {
    return this.accepted.map((p) => p.msgId);
  }
}

/** Error names the relay must treat as an outage (nats ConnectionClosed, cockatiel's open breaker). */
export function outageError(message = 'connection closed'): Error {
  return Object.assign(new Error(message), { name: 'ConnectionClosedError' });
}

/** The error JetStream gives for a subject no stream captures: a per-row rejection (see `isBrokerRejection`). */
export function noStreamError(subject: string): Error {
  return Object.assign(new Error(`no stream matches subject ${subject}`), { name: 'NoStreamError' });
}

/** A gate standing in for a circuit breaker: `open` makes `execute` throw without running the publish. */
export class SwitchGate implements OutboxGate {
  open = false;
  calls = 0;
  rejectedWhileOpen = 0;

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.open) {
      this.rejectedWhileOpen++;
      throw Object.assign(new Error('Execution prevented because the circuit breaker is open'), { name: 'BrokenCircuitError' });
    }
    return fn();
  }
}

/** Polls `condition` (sync or async) until it returns truthy or the deadline passes; returns the truthy value. */
export async function waitFor<T>(condition: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 20, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Builds and initialises (migrations run, relay starts on bootstrap) a testing module around PersistenceModule. */
export async function startPersistence(options: PersistenceModuleOptions): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [PersistenceModule.forRoot(options)] }).compile();
  // Nest's default logger would print the relay's outage warnings; they are expected here.
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

/** Options with test-friendly relay timings; override what a test needs. */
export function testOptions(overrides: Partial<PersistenceModuleOptions> & Pick<PersistenceModuleOptions, 'schema'>): PersistenceModuleOptions {
  return {
    serviceName: 'persistence-test',
    dataDir: '/nonexistent-unused-with-database-url',
    migrations: [],
    codec: testCodec,
    ...overrides,
    outbox: { sweepIntervalMs: 25, maxBackoffMs: 100, publishTimeoutMs: 10_000, ...overrides.outbox },
  };
}

/** Runs a query on a short-lived client of its own (so assertions never share the module's pool). */
export async function query<R extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

type MigrationConnection = Parameters<typeof runMigrations>[0];

/**
 * A `runMigrations` connection on one pg client (the shape the module builds internally), so the runner can be
 * driven directly: several of them at once, or with a logger that records warnings.
 */
export async function openMigrationConnection(url: string): Promise<MigrationConnection> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    driver: 'postgres',
    db: undefined as never, // the runner only uses transaction()
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const result = await fn({
          exec: async (sql) => void (await client.query(sql)),
          query: async (sql, params) => (await client.query(sql, params)).rows,
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: () => client.end(),
  };
}

/** A business table, so tests can check that its change and the outbox/inbox rows commit (or not) together. */
export function thingsMigrations(schema: string): Migration[] {
  return [{ id: '0001_things', sql: `CREATE TABLE ${schema}.things (id text PRIMARY KEY, note text NOT NULL DEFAULT '')` }];
}
