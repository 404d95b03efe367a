import type { JsMsg } from 'nats';

/** One delivery being handled; `settled` guards against settling twice (shutdown deadline vs late completion). */
export interface InFlight {
  readonly msg: JsMsg;
  settled: boolean;
  done?: Promise<void>;
  /** Date.now() when the handler started, or when the last in-progress ack was sent. */
  lastProgressAt: number;
}

/**
 * The deliveries a consumer is handling now, and the one timer (per consumer, not per message) that sends
 * in-progress acks for handlers running longer than half the ack wait, so their messages are not redelivered.
 */
export class InFlightSet {
  private readonly entries = new Set<InFlight>();
  private timer?: NodeJS.Timeout;
  /** Most deliveries handled at once so far. */
  max = 0;

  constructor(
    private readonly ackWaitMs: number,
    private readonly onKeepAliveError: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(msg: JsMsg): InFlight {
    const entry: InFlight = { msg, settled: false, lastProgressAt: Date.now() };
    this.entries.add(entry);
    if (this.entries.size > this.max) this.max = this.entries.size;
    this.timer ??= setInterval(() => this.keepAlive(), this.progressIntervalMs() / 2);
    return entry;
  }

  delete(entry: InFlight): void {
    this.entries.delete(entry);
    if (this.entries.size === 0) this.clearTimer();
  }

  /** A copy, safe to iterate while entries finish. */
  snapshot(): InFlight[] {
    return [...this.entries];
  }

  clearTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private progressIntervalMs(): number {
    return Math.max(500, Math.floor(this.ackWaitMs / 2));
  }

  private keepAlive(): void {
    const due = Date.now() - this.progressIntervalMs();
    for (const entry of this.entries) {
      if (entry.settled || entry.lastProgressAt > due) continue;
      entry.lastProgressAt = Date.now();
      try {
        entry.msg.working();
      } catch (error) {
        this.onKeepAliveError(error);
      }
    }
  }
}
