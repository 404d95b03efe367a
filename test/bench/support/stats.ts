/** Small statistics helpers for the benchmark (no dependencies). */

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Median of any array (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** Rounds to `digits` decimals (keeps JSON and tables readable). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Latency summary in milliseconds. */
export function latencySummary(samples: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
  };
}

/**
 * Calls `fn(i)` for i in [0, count), keeping at most `inFlight` calls outstanding (a sliding window, the way a
 * publisher keeps N unacknowledged publishes in flight). With `ratePerSec`, call i does not start before
 * t0 + i / rate (an open-loop schedule, so latency is not just queueing behind a saturated consumer).
 * Rejects on the first failure.
 */
export async function pump(count: number, inFlight: number, fn: (i: number) => Promise<unknown>, ratePerSec?: number): Promise<void> {
  let next = 0;
  let failed: unknown;
  const t0 = performance.now();
  const lane = async () => {
    while (next < count && failed === undefined) {
      const i = next++;
      if (ratePerSec) {
        const wait = t0 + (i * 1000) / ratePerSec - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        await fn(i);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, count)) }, lane));
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error('a lane failed with a value that is not an Error', { cause: failed });
}

/** Resolves when `isDone()` is true (checked whenever `poke()` is called and every 5 ms), rejects after `timeoutMs`. */
export function completion(isDone: () => boolean, timeoutMs: number, what: string): { done: Promise<void>; poke: () => void } {
  let resolveDone!: () => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  let finished = false;
  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    clearInterval(poll);
    clearTimeout(timer);
    if (error) rejectDone(error);
    else resolveDone();
  };
  const poke = () => {
    if (!finished && isDone()) finish();
  };
  const poll = setInterval(poke, 5);
  const timer = setTimeout(() => finish(new Error(`${what}: not complete after ${timeoutMs} ms`)), timeoutMs);
  return { done, poke };
}
