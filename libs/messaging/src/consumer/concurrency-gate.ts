/**
 * Bounded concurrency per consumer in this replica: at most `size` items run at once; the rest wait in arrival
 * order and start, one for each slot, as running ones finish. Synchronous on purpose: the pull loop hands messages
 * over from the client's callback, so a message that finds a free slot starts in the same tick, with no promise
 * per message.
 */
export class ConcurrencyGate<T> {
  private used = 0;
  private readonly waiting: T[] = [];

  constructor(
    readonly size: number,
    private readonly start: (item: T) => void,
  ) {}

  /** Items running now. */
  get inUse(): number {
    return this.used;
  }

  /** Items waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Starts the item now when a slot is free; otherwise queues it. */
  submit(item: T): void {
    if (this.used < this.size) {
      this.used++;
      this.start(item);
    } else {
      this.waiting.push(item);
    }
  }

  /** A running item finished: its slot goes to the oldest waiting item, or is freed. */
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) this.start(next);
    else this.used--;
  }

  /** Takes every waiting item out (on shutdown they go back to the server instead of starting). */
  drain(): T[] {
    return this.waiting.splice(0);
  }
}
