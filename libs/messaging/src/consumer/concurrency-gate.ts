/**
 * A counting semaphore: at most `size` handlers of one consumer run at once in this replica. The pull loop waits
 * on `acquire()` before it dispatches a message, so messages beyond the limit wait in the pull buffer (already
 * fetched, not yet handled) rather than piling up as running handlers.
 */
export class ConcurrencyGate {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  /** Handlers running now. */
  get inUse(): number {
    return this.used;
  }

  /** Resolves at once while a slot is free (no promise allocation beyond the resolved one). */
  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Frees a slot, handing it straight to the oldest waiter when there is one. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.used--;
  }

  /** Hands a slot to every waiter (on shutdown, so a pull loop blocked in `acquire()` can see it must stop). */
  wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) {
      this.used++;
      waiter();
    }
  }
}
