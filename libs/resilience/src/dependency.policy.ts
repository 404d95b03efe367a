import { describeFailure } from '@app/messaging';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
} from 'cockatiel';

import type {
  BreakerState,
  BreakerStateChange,
  CallRejection,
  DependencyPolicy,
  DependencyPolicyHooks,
  DependencyStats,
  Subscription,
} from './dependency-policy.interfaces';
import { isBrokenCircuit, isBulkheadRejected, isTaskCancelled } from './errors/cockatiel.guards';
import { DependencyUnavailableError } from './errors/dependency-unavailable.error';
import { isTransientFailure } from './errors/transient-failure';
import { type ResilienceOptions, type ResilienceOverrides, resolveResilienceOptions } from './resilience.options';

/** Thrown inside the policy when one attempt outlives `timeoutMs`; surfaces as the cause of a `timeout` rejection. */
class AttemptTimeoutError extends Error {
  readonly transient = true;
  constructor(ms: number) {
    super(`attempt timed out after ${ms} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/** Carries an error thrown after the caller aborted through the inner policies without being counted or retried. */
class CallerAbortedError extends Error {
  readonly transient = false;
  constructor(readonly original: unknown) {
    super('call aborted by the caller');
    this.name = 'CallerAbortedError';
  }
}

class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();
  add(listener: (event: E) => void): Subscription {
    this.set.add(listener);
    return { dispose: () => this.set.delete(listener) };
  }
  emit(event: E, logger: LoggerService | undefined): void {
    for (const listener of this.set) {
      try {
        listener(event);
      } catch (error) {
        // A faulty observer (metrics, logging) must never break the call it observes.
        logger?.error?.(`resilience listener failed: ${String(error)}`);
      }
    }
  }
}

function toBreakerState(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
    default: {
      const unknownState: never = state;
      throw new Error(`unknown circuit state ${String(unknownState)}`);
    }
  }
}

/**
 * Builds a named {@link DependencyPolicy} from cockatiel 3 policies.
 *
 * - Breaker: `ConsecutiveBreaker(consecutiveFailures + 1)`, because cockatiel opens when the count REACHES its
 *   threshold and the guide's rule is "more than 5" (issue #5). Each attempt counts, timeouts included; only
 *   technical failures ({@link isTransientFailure}) count, never returned business outcomes or permanent errors.
 * - Retry: exponential backoff with full jitter (attempt n waits a random time below
 *   `min(maxDelayMs, initialDelayMs * 2^(n-1))`); it never retries a breaker rejection, so an open breaker fails fast.
 * - Timeout: aggressive, per attempt; the attempt's AbortSignal fires so the I/O can stop.
 * - Bulkhead: outermost, so a flood of callers queues or is rejected before it reaches the dependency.
 */
export function createResiliencePolicy(
  name: string,
  options: ResilienceOverrides | ResilienceOptions = {},
  hooks: DependencyPolicyHooks = {},
): DependencyPolicy {
  const resolved = resolveResilienceOptions(options);
  const logger = hooks.logger === false ? undefined : (hooks.logger ?? new Logger('Resilience'));

  const stats: DependencyStats = {
    calls: 0,
    succeeded: 0,
    failed: 0,
    retries: 0,
    timeouts: 0,
    rejected: 0,
    rejectedCircuitOpen: 0,
    rejectedBulkheadFull: 0,
    consecutiveFailures: 0,
  };
  const stateListeners = new Listeners<BreakerStateChange>();
  const rejectionListeners = new Listeners<CallRejection>();
  if (hooks.onStateChange) stateListeners.add(hooks.onStateChange);
  if (hooks.onRejected) rejectionListeners.add(hooks.onRejected);

  const countsForBreaker = (error: unknown) => isTransientFailure(error) && !isTaskCancelled(error);
  const retryable = (error: unknown) => countsForBreaker(error) && !isBrokenCircuit(error) && !(error instanceof DependencyUnavailableError);

  const consecutive = new ConsecutiveBreaker(resolved.breaker.consecutiveFailures + 1);
  const breakerPolicy = circuitBreaker(handleWhen(countsForBreaker), {
    breaker: consecutive,
    halfOpenAfter: resolved.breaker.halfOpenAfterMs,
  });
  const retryPolicy = retry(handleWhen(retryable), {
    maxAttempts: resolved.retry.maxAttempts - 1, // cockatiel counts retries, our option counts attempts
    backoff: new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: resolved.retry.initialDelayMs,
      maxDelay: resolved.retry.maxDelayMs,
    }),
  }).dangerouslyUnref(); // a pending backoff must not hold a shutting-down process open
  const timeoutPolicy = timeout(resolved.timeoutMs, TimeoutStrategy.Aggressive);
  const bulkheadPolicy = bulkhead(resolved.bulkhead.maxConcurrent, resolved.bulkhead.maxQueue);

  let current: BreakerState = toBreakerState(breakerPolicy.state);
  let lastBreakCause: unknown;
  breakerPolicy.onBreak((reason) => {
    lastBreakCause = 'error' in reason ? reason.error : 'value' in reason ? reason.value : 'isolated';
  });
  breakerPolicy.onStateChange((state) => {
    const to = toBreakerState(state);
    const from = current;
    current = to;
    if (to === 'open') stats.openedAt = new Date().toISOString();
    if (to === 'closed') stats.openedAt = undefined;
    if (from === to) return;
    const change: BreakerStateChange = { dependency: name, from, to, ...(to === 'open' ? { cause: lastBreakCause } : {}) };
    if (to === 'open') {
      const retryIn = resolved.breaker.halfOpenAfterMs;
      const why = from === 'half-open' ? 'the trial call failed' : `more than ${resolved.breaker.consecutiveFailures} consecutive failures`;
      logger?.warn(
        `circuit breaker "${name}" ${from} -> open: ${why}; calls are rejected for ${retryIn} ms, then one trial call goes through; ` +
          `last error: ${describeFailure(lastBreakCause)}`,
      );
    } else {
      logger?.log(`circuit breaker "${name}" ${from} -> ${to}`);
    }
    stateListeners.emit(change, logger);
  });
  retryPolicy.onRetry((event) => {
    stats.retries += 1;
    const error = 'error' in event ? event.error : event.value;
    if (hooks.onRetry) {
      try {
        hooks.onRetry({ dependency: name, attempt: event.attempt, delayMs: event.delay, error });
      } catch {
        // observers never break calls
      }
    }
  });

  const reject = (reason: CallRejection['reason']) => {
    stats.rejected += 1;
    if (reason === 'circuit-open') stats.rejectedCircuitOpen += 1;
    else stats.rejectedBulkheadFull += 1;
    rejectionListeners.emit({ dependency: name, reason }, logger);
  };

  const execute = async <T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> => {
    stats.calls += 1;
    let lastFailure: unknown;

    const attempt = async (attemptSignal: AbortSignal): Promise<T> => {
      try {
        return await timeoutPolicy.execute(({ signal: inner }) => fn(inner), attemptSignal);
      } catch (error) {
        if (attemptSignal.aborted) throw new CallerAbortedError(error); // the caller gave up: not the dependency's fault
        let failure = error;
        if (isTaskCancelled(error)) {
          stats.timeouts += 1;
          failure = new AttemptTimeoutError(resolved.timeoutMs);
        }
        if (countsForBreaker(failure)) {
          lastFailure = failure;
          stats.lastFailure = { at: new Date().toISOString(), message: describeFailure(failure) };
        }
        throw failure;
      }
    };

    try {
      const value = await bulkheadPolicy.execute(
        ({ signal: s1 }) => retryPolicy.execute(({ signal: s2 }) => breakerPolicy.execute(({ signal: s3 }) => attempt(s3), s2), s1),
        // Without a caller signal cockatiel derives every call's signal from one shared never-aborted signal, which
        // collects an abort listener per concurrent call (MaxListenersExceededWarning under load): give each its own.
        signal ?? new AbortController().signal,
      );
      stats.succeeded += 1;
      return value;
    } catch (error) {
      stats.failed += 1;
      if (error instanceof CallerAbortedError) throw error.original;
      if (signal?.aborted) throw error;
      if (isBulkheadRejected(error)) {
        reject('bulkhead-full');
        throw new DependencyUnavailableError(name, 'bulkhead-full', error);
      }
      if (isBrokenCircuit(error)) {
        reject('circuit-open');
        throw new DependencyUnavailableError(name, 'circuit-open', lastFailure ?? lastBreakCause ?? error);
      }
      if (error instanceof AttemptTimeoutError) throw new DependencyUnavailableError(name, 'timeout', error);
      if (countsForBreaker(error)) throw new DependencyUnavailableError(name, 'retries-exhausted', error);
      throw error;
    }
  };

  return {
    name,
    options: resolved,
    get state() {
      return toBreakerState(breakerPolicy.state);
    },
    get stats() {
      return { ...stats, consecutiveFailures: consecutive.state };
    },
    execute,
    onStateChange: (listener) => stateListeners.add(listener),
    onRejected: (listener) => rejectionListeners.add(listener),
  };
}
