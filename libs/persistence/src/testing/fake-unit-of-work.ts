import type { Database, Tx } from '../database/database.types';
import type { InboxResult } from '../inbox/inbox.service';
import type { EventOutbox } from '../outbox/event-outbox.service';
import type { OutboxEvent } from '../persistence.interfaces';
import type { UnitOfWork } from '../unit-of-work.service';

/** The public members of a class, so a fake can `implements` it without its private fields. */
export type PublicPart<T> = { [K in keyof T]: T[K] };

/** Stands for the transaction handle: fakes of repositories ignore it. */
const FAKE_TX = Object.freeze({ fake: 'tx' }) as unknown as Tx;

/** An enqueued event as a spec reads it (the services enqueue CloudEvents envelopes). */
export type RecordedEvent = OutboxEvent & { type: string; data: unknown; [field: string]: unknown };

/** Records enqueued events; `events` holds only those of committed units of work. */
export class FakeEventOutbox implements PublicPart<EventOutbox> {
  readonly events: RecordedEvent[] = [];

  enqueue(_tx: Tx, event: OutboxEvent): Promise<void> {
    this.events.push(event as RecordedEvent);
    return Promise.resolve();
  }

  /** The committed events' types, in order. */
  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

/**
 * The inbox and transaction semantics of `UnitOfWork` in memory: `handleOnce` runs `fn` once per (consumer, event
 * id), and a throwing `fn` records nothing and drops the outbox events it enqueued (as a rollback would).
 */
export class FakeUnitOfWork implements PublicPart<UnitOfWork> {
  readonly db = FAKE_TX as unknown as Database;
  readonly handled = new Set<string>();

  constructor(private readonly outbox: FakeEventOutbox = new FakeEventOutbox()) {}

  async handleOnce<T>(consumer: string, event: { id: string }, fn: (tx: Tx) => Promise<T>): Promise<InboxResult<T>> {
    const key = `${consumer}|${event.id}`;
    if (this.handled.has(key)) return { duplicate: true };
    const result = await this.transactional(fn);
    this.handled.add(key);
    return { duplicate: false, result };
  }

  markHandled(consumer: string, event: { id: string }): Promise<boolean> {
    const key = `${consumer}|${event.id}`;
    const fresh = !this.handled.has(key);
    this.handled.add(key);
    return Promise.resolve(fresh);
  }

  async transactional<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const before = this.outbox.events.length;
    try {
      return await fn(FAKE_TX);
    } catch (error) {
      this.outbox.events.splice(before);
      throw error;
    }
  }
}
