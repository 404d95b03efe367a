import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

import { describe, withTimeout } from './messaging.contract';

/** How a {@link PolledReading} bounds its reads and ages its result. */
export interface PolledReadingOptions {
  /** A read that has not settled by then counts as failed (a new one may start at the next refresh). */
  timeoutMs: number;
  /** A reading older than this is no longer reported: no value rather than a stale one. */
  staleAfterMs: number;
}

/**
 * The last good result of a slow read (a NATS or database round trip), refreshed by whoever owns it and read
 * synchronously at scrape time, so a metrics scrape never waits on I/O and an outage can neither hang nor fail it.
 * A failed or timed-out refresh keeps the previous result until it goes stale.
 */
export class PolledReading<T> {
  private last?: { value: T; at: number };
  private inflight?: Promise<void>;
  /** The error of the last refresh, while reads fail. */
  failure?: string;

  constructor(
    readonly name: string,
    private readonly read: () => Promise<T>,
    private readonly options: PolledReadingOptions,
  ) {}

  /**
   * Starts a read unless one is under way, and resolves when it settled (never rejects). The read runs with tracing
   * suppressed and outside any caller's trace: a background poll every few seconds is not worth a span each time.
   */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const attempt = () =>
      withTimeout(
        Promise.resolve().then(() => this.read()),
        this.options.timeoutMs,
        this.name,
      );
    this.inflight = context
      .with(suppressTracing(ROOT_CONTEXT), attempt)
      .then(
        (value) => {
          this.last = { value, at: Date.now() };
          this.failure = undefined;
        },
        (error: unknown) => {
          this.failure = describe(error);
        },
      )
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The last result, unless it is older than `staleAfterMs` (or there is none yet). */
  current(now = Date.now()): T | undefined {
    return this.last && now - this.last.at <= this.options.staleAfterMs ? this.last.value : undefined;
  }
}
