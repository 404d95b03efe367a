import type { LoggerService } from '@nestjs/common';

import type { ResilienceOptions } from './resilience.options';

/** Circuit breaker state as shown in health details and logs. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Numeric encoding of {@link BreakerState} for the `resilience.circuit_breaker.state` gauge. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = Object.freeze({ closed: 0, open: 1, 'half-open': 2 });

/** Emitted on every breaker transition. */
export interface BreakerStateChange {
  dependency: string;
  from: BreakerState;
  to: BreakerState;
  /** The failure that opened the breaker (only when `to` is `open`). */
  cause?: unknown;
}

/** Emitted when the policy turns a call away without trying it. */
export interface CallRejection {
  dependency: string;
  reason: 'circuit-open' | 'bulkhead-full';
}

/** Emitted before each retry's backoff delay. */
export interface RetryAttempt {
  dependency: string;
  /** 1 for the first retry (the second attempt). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Counters since the policy was created, plus the breaker's live numbers. */
export interface DependencyStats {
  /** `execute` calls. */
  calls: number;
  succeeded: number;
  /** Calls that ended with an error of any kind (technical, permanent, rejected). */
  failed: number;
  retries: number;
  /** Attempts abandoned by the per-attempt timeout. */
  timeouts: number;
  /** Calls turned away by the breaker or the bulkhead (sum of the two next fields). */
  rejected: number;
  rejectedCircuitOpen: number;
  rejectedBulkheadFull: number;
  /** Current run of technical failures the breaker has counted. */
  consecutiveFailures: number;
  /** When the breaker last opened (ISO 8601), while it is open or half-open. */
  openedAt?: string;
  /** Last technical failure seen by any attempt. */
  lastFailure?: { at: string; message: string };
}

/** Something to stop listening with. */
export interface Subscription {
  dispose(): void;
}

/** Optional collaborators of {@link createResiliencePolicy}. */
export interface DependencyPolicyHooks {
  /** Receives state-change logs; defaults to a Nest `Logger` with context `Resilience`; `false` silences it. */
  logger?: LoggerService | false;
  onStateChange?: (change: BreakerStateChange) => void;
  onRejected?: (rejection: CallRejection) => void;
  onRetry?: (retry: RetryAttempt) => void;
}

/**
 * Retry, circuit breaker, timeout and bulkhead around one outside dependency, under one name. Share one instance per
 * dependency: the breaker only works if every call goes through the same policy.
 */
export interface DependencyPolicy {
  readonly name: string;
  readonly options: Readonly<ResilienceOptions>;
  readonly state: BreakerState;
  readonly stats: Readonly<DependencyStats>;
  /**
   * Runs `fn` through bulkhead -> retry -> breaker -> timeout. `fn` receives an AbortSignal that fires when its
   * attempt times out (or `signal` aborts): pass it on to the I/O. Resolves with `fn`'s value, business outcomes
   * included. Rejects with {@link DependencyUnavailableError} for breaker open, bulkhead full, timeout or exhausted
   * retries; permanent errors (see {@link isTransientFailure}) and the caller's own abort are rethrown unchanged.
   */
  execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T>;
  onStateChange(listener: (change: BreakerStateChange) => void): Subscription;
  onRejected(listener: (rejection: CallRejection) => void): Subscription;
}
