/** Retry with exponential backoff and full jitter: attempt n waits a random time in [0, min(maxDelayMs, initialDelayMs * 2^(n-1))). */
export interface RetryOptions {
  /** Total attempts per call, the first one included; 1 disables retrying. */
  maxAttempts: number;
  /** Upper bound of the first backoff delay. */
  initialDelayMs: number;
  /** Cap of every backoff delay. */
  maxDelayMs: number;
}

/** A consecutive-failure circuit breaker. */
export interface BreakerOptions {
  /**
   * The breaker opens when consecutive technical failures EXCEED this number (the guide's `ConsecutiveFailures > 5`):
   * with 5 it stays closed through 5 failures and opens on the 6th.
   */
  consecutiveFailures: number;
  /** How long the breaker stays open before it lets one trial call through (half-open). */
  halfOpenAfterMs: number;
}

/** Limits concurrent calls to one dependency; calls beyond `maxConcurrent + maxQueue` are rejected at once. */
export interface BulkheadOptions {
  maxConcurrent: number;
  maxQueue: number;
}

/** Everything a {@link DependencyPolicy} needs. Build partial overrides on top of {@link DEFAULT_RESILIENCE_OPTIONS}. */
export interface ResilienceOptions {
  /** Per-attempt timeout; a slow attempt is abandoned (its AbortSignal fires) and counts as a technical failure. */
  timeoutMs: number;
  retry: RetryOptions;
  breaker: BreakerOptions;
  bulkhead: BulkheadOptions;
}

/** A partial {@link ResilienceOptions}, merged field by field over defaults. */
export interface ResilienceOverrides {
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  bulkhead?: Partial<BulkheadOptions>;
}

/**
 * Defaults: the breaker follows the original guide (trips when consecutive failures exceed 5, half-open after 30 s);
 * three attempts with a short backoff keep a message handler well inside the JetStream ack wait (30 s).
 */
export const DEFAULT_RESILIENCE_OPTIONS: Readonly<ResilienceOptions> = Object.freeze({
  timeoutMs: 2_000,
  retry: Object.freeze({ maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2_000 }),
  breaker: Object.freeze({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 }),
  bulkhead: Object.freeze({ maxConcurrent: 64, maxQueue: 256 }),
});

/** Merges overrides over a base (defaults unless given); unset fields keep the base value. */
export function resolveResilienceOptions(
  overrides: ResilienceOverrides = {},
  base: ResilienceOptions = DEFAULT_RESILIENCE_OPTIONS,
): ResilienceOptions {
  const options: ResilienceOptions = {
    timeoutMs: overrides.timeoutMs ?? base.timeoutMs,
    retry: { ...base.retry, ...definedOnly(overrides.retry) },
    breaker: { ...base.breaker, ...definedOnly(overrides.breaker) },
    bulkhead: { ...base.bulkhead, ...definedOnly(overrides.bulkhead) },
  };
  assertValid(options);
  return options;
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function assertValid(options: ResilienceOptions): void {
  const checks: Array<[string, number, number]> = [
    ['timeoutMs', options.timeoutMs, 1],
    ['retry.maxAttempts', options.retry.maxAttempts, 1],
    ['retry.initialDelayMs', options.retry.initialDelayMs, 0],
    ['retry.maxDelayMs', options.retry.maxDelayMs, 0],
    ['breaker.consecutiveFailures', options.breaker.consecutiveFailures, 1],
    ['breaker.halfOpenAfterMs', options.breaker.halfOpenAfterMs, 0],
    ['bulkhead.maxConcurrent', options.bulkhead.maxConcurrent, 1],
    ['bulkhead.maxQueue', options.bulkhead.maxQueue, 0],
  ];
  for (const [path, value, min] of checks) {
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`resilience option ${path} must be an integer >= ${min} (got ${String(value)})`);
    }
  }
}
