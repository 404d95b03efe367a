import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsInt, Min } from 'class-validator';

import { DEFAULT_RESILIENCE_OPTIONS, type ResilienceOptions } from './resilience.options';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

const D = DEFAULT_RESILIENCE_OPTIONS;
const msMin = (min: number) => `must be a whole number of milliseconds >= ${min}`;
const intMin = (min: number) => `must be an integer >= ${min}`;

/** The resilience variables as a plain shape (what {@link resilienceOptionsFromEnv} reads). */
export interface ResilienceEnvVars {
  RESILIENCE_TIMEOUT_MS: number;
  RESILIENCE_RETRY_MAX_ATTEMPTS: number;
  RESILIENCE_RETRY_INITIAL_DELAY_MS: number;
  RESILIENCE_RETRY_MAX_DELAY_MS: number;
  RESILIENCE_BREAKER_THRESHOLD: number;
  RESILIENCE_BREAKER_HALF_OPEN_MS: number;
  RESILIENCE_BULKHEAD_MAX_CONCURRENT: number;
  RESILIENCE_BULKHEAD_MAX_QUEUE: number;
}

/**
 * Adds the resilience variables (validated, with defaults) to an app's env schema, e.g.
 * `class PaymentServiceEnv extends WithResilienceEnv(CommonEnv) {}`. TypeScript classes have one base, so the
 * variables come as a mixin.
 */
export function WithResilienceEnv<TBase extends Constructor>(Base: TBase) {
  class ResilienceEnvMixin extends Base implements ResilienceEnvVars {
    /** Per-attempt timeout of an outbound call. */
    @Type(() => Number)
    @IsInt({ message: msMin(1) })
    @Min(1, { message: msMin(1) })
    RESILIENCE_TIMEOUT_MS: number = D.timeoutMs;

    /** Attempts per call, the first included (1 = no retry). */
    @Type(() => Number)
    @IsInt({ message: intMin(1) })
    @Min(1, { message: intMin(1) })
    RESILIENCE_RETRY_MAX_ATTEMPTS: number = D.retry.maxAttempts;

    /** Upper bound of the first retry delay (full jitter: the real delay is random below it). */
    @Type(() => Number)
    @IsInt({ message: msMin(0) })
    @Min(0, { message: msMin(0) })
    RESILIENCE_RETRY_INITIAL_DELAY_MS: number = D.retry.initialDelayMs;

    /** Cap of any retry delay. */
    @Type(() => Number)
    @IsInt({ message: msMin(0) })
    @Min(0, { message: msMin(0) })
    RESILIENCE_RETRY_MAX_DELAY_MS: number = D.retry.maxDelayMs;

    /** The breaker opens when consecutive failures EXCEED this number. */
    @Type(() => Number)
    @IsInt({ message: intMin(1) })
    @Min(1, { message: intMin(1) })
    RESILIENCE_BREAKER_THRESHOLD: number = D.breaker.consecutiveFailures;

    /** Time an open breaker waits before letting one trial call through. */
    @Type(() => Number)
    @IsInt({ message: msMin(0) })
    @Min(0, { message: msMin(0) })
    RESILIENCE_BREAKER_HALF_OPEN_MS: number = D.breaker.halfOpenAfterMs;

    /** Concurrent calls per dependency. */
    @Type(() => Number)
    @IsInt({ message: intMin(1) })
    @Min(1, { message: intMin(1) })
    RESILIENCE_BULKHEAD_MAX_CONCURRENT: number = D.bulkhead.maxConcurrent;

    /** Calls waiting for a slot; beyond it calls are rejected at once. */
    @Type(() => Number)
    @IsInt({ message: intMin(0) })
    @Min(0, { message: intMin(0) })
    RESILIENCE_BULKHEAD_MAX_QUEUE: number = D.bulkhead.maxQueue;
  }
  return ResilienceEnvMixin;
}

/** Maps validated resilience variables to policy options. */
export function resilienceOptionsFromEnv(env: ResilienceEnvVars): ResilienceOptions {
  return {
    timeoutMs: env.RESILIENCE_TIMEOUT_MS,
    retry: {
      maxAttempts: env.RESILIENCE_RETRY_MAX_ATTEMPTS,
      initialDelayMs: env.RESILIENCE_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: env.RESILIENCE_RETRY_MAX_DELAY_MS,
    },
    breaker: {
      consecutiveFailures: env.RESILIENCE_BREAKER_THRESHOLD,
      halfOpenAfterMs: env.RESILIENCE_BREAKER_HALF_OPEN_MS,
    },
    bulkhead: {
      maxConcurrent: env.RESILIENCE_BULKHEAD_MAX_CONCURRENT,
      maxQueue: env.RESILIENCE_BULKHEAD_MAX_QUEUE,
    },
  };
}
