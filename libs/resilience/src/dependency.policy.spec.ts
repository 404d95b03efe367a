import { setTimeout as sleep } from 'node:timers/promises';

import type { BreakerStateChange, RetryAttempt } from './dependency-policy.interfaces';
import { isTransientFailure } from './errors/transient-failure';
import { createResiliencePolicy, type DependencyPolicy, DependencyUnavailableError } from './index';
import { DEFAULT_RESILIENCE_OPTIONS } from './resilience.options';
import { deferred, FlakyDependencyError, InvalidRequestError, recordingLogger } from './testing/resilience.test-helpers';

const failing = () => Promise.reject(new FlakyDependencyError());
const ok = () => Promise.resolve('ok');

/** Default breaker settings, no retries (so one call is one failure), and a short half-open delay to keep tests quick. */
function breakerOnly(halfOpenAfterMs = 30_000) {
  return createResiliencePolicy('dep', { retry: { maxAttempts: 1 }, breaker: { halfOpenAfterMs } }, { logger: false });
}

async function failTimes(policy: DependencyPolicy, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await expect(policy.execute(failing)).rejects.toBeInstanceOf(DependencyUnavailableError);
}

describe('createResiliencePolicy: circuit breaker', () => {
  it('defaults to tripping when consecutive failures exceed 5 (as the guide)', () => {
    expect(DEFAULT_RESILIENCE_OPTIONS.breaker).toEqual({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 });
  });

  it('stays closed through 5 consecutive failures and opens on the 6th', async () => {
    const policy = breakerOnly();
    await failTimes(policy, 5);
    expect(policy.state).toBe('closed');
    expect(policy.stats.consecutiveFailures).toBe(5);

    await failTimes(policy, 1);
    expect(policy.state).toBe('open');
  });

  it('rejects without calling the dependency while open, with DependencyUnavailableError(circuit-open)', async () => {
    const policy = breakerOnly();
    await failTimes(policy, 6);
    const fn = jest.fn(ok);

    const error = await policy.execute(fn).catch((e: unknown) => e);

    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'dep', reason: 'circuit-open', transient: true });
    expect((error as DependencyUnavailableError).cause).toBeInstanceOf(FlakyDependencyError);
    expect(policy.stats).toMatchObject({ rejected: 1, rejectedCircuitOpen: 1 });
  });

  it('a success resets the consecutive count', async () => {
    const policy = breakerOnly();
    await failTimes(policy, 5);
    await policy.execute(ok);
    await failTimes(policy, 5);
    expect(policy.state).toBe('closed');
  });

  it('lets one trial through after the half-open delay and closes when it succeeds', async () => {
    const changes: BreakerStateChange[] = [];
    const policy = createResiliencePolicy(
      'dep',
      { retry: { maxAttempts: 1 }, breaker: { halfOpenAfterMs: 30 } },
      { logger: false, onStateChange: (change) => changes.push(change) },
    );
    await failTimes(policy, 6);
    await sleep(60);

    const trial = deferred<string>();
    const fn = jest.fn(() => trial.promise);
    const running = policy.execute(fn);
    expect(policy.state).toBe('half-open');
    trial.resolve('recovered');

    await expect(running).resolves.toBe('recovered');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(policy.state).toBe('closed');
    expect(changes.map(({ from, to }) => `${from}->${to}`)).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(changes[0].cause).toBeInstanceOf(FlakyDependencyError);
  });

  it('reopens when the trial fails', async () => {
    // Half-open after 300 ms: long enough that the reopened breaker is still open when checked below on two busy
    // shared cores (30 ms flaked there), short enough to keep the test quick.
    const policy = breakerOnly(300);
    await failTimes(policy, 6);
    await sleep(350);

    await failTimes(policy, 1);

    expect(policy.state).toBe('open');
    const fn = jest.fn(ok);
    await expect(policy.execute(fn)).rejects.toMatchObject({ reason: 'circuit-open' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('never trips on business outcomes returned by the dependency (a declined payment)', async () => {
    const policy = breakerOnly();
    for (let i = 0; i < 20; i++) {
      await expect(policy.execute(async () => ({ outcome: 'declined', reason: 'limit' }))).resolves.toEqual({
        outcome: 'declined',
        reason: 'limit',
      });
    }
    expect(policy.state).toBe('closed');
    expect(policy.stats.consecutiveFailures).toBe(0);
  });

  it('neither retries nor counts permanent errors, and rethrows them unchanged', async () => {
    const policy = createResiliencePolicy('dep', { retry: { maxAttempts: 3, initialDelayMs: 1 } }, { logger: false });
    const fn = jest.fn(() => Promise.reject(new InvalidRequestError()));
    for (let i = 0; i < 10; i++) await expect(policy.execute(fn)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(fn).toHaveBeenCalledTimes(10);
    expect(policy.state).toBe('closed');
  });

  it('counts every attempt: with 3 attempts per call the second failing call opens the breaker', async () => {
    const policy = createResiliencePolicy('dep', { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } }, { logger: false });
    await expect(policy.execute(failing)).rejects.toMatchObject({ reason: 'retries-exhausted' });
    expect(policy.state).toBe('closed');
    await expect(policy.execute(failing)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(policy.state).toBe('open');
  });

  it('logs state changes (warn when it opens)', async () => {
    const logger = recordingLogger();
    const policy = createResiliencePolicy('payment-gateway', { retry: { maxAttempts: 1 } }, { logger });
    await failTimes(policy, 6);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('circuit breaker "payment-gateway" closed -> open: more than 5 consecutive failures'),
      }),
    ]);
  });
});

describe('createResiliencePolicy: retry', () => {
  it('retries transient failures with backoff and returns the eventual success', async () => {
    const retries: RetryAttempt[] = [];
    const policy = createResiliencePolicy(
      'dep',
      { retry: { maxAttempts: 3, initialDelayMs: 2, maxDelayMs: 10 } },
      { logger: false, onRetry: (r) => retries.push(r) },
    );
    let calls = 0;
    const result = await policy.execute(async () => {
      calls += 1;
      if (calls < 3) throw new FlakyDependencyError();
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(policy.stats).toMatchObject({ retries: 2, succeeded: 1, consecutiveFailures: 0 });
  });

  it('keeps every delay within the full-jitter bound min(cap, initial * 2^(n-1)) and the cap', async () => {
    const initialDelayMs = 2;
    const maxDelayMs = 8;
    for (let run = 0; run < 5; run++) {
      const delays: number[] = [];
      const policy = createResiliencePolicy(
        'dep',
        { retry: { maxAttempts: 7, initialDelayMs, maxDelayMs }, breaker: { consecutiveFailures: 100 } },
        { logger: false, onRetry: (r) => delays.push(r.delayMs) },
      );
      await expect(policy.execute(failing)).rejects.toMatchObject({ reason: 'retries-exhausted' });
      expect(delays).toHaveLength(6);
      delays.forEach((delay, index) => {
        const bound = Math.min(maxDelayMs, initialDelayMs * 2 ** index);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(bound);
      });
    }
  });

  it('gives up after maxAttempts with DependencyUnavailableError(retries-exhausted) carrying the last error', async () => {
    const policy = createResiliencePolicy('dep', { retry: { maxAttempts: 2, initialDelayMs: 1 } }, { logger: false });
    const fn = jest.fn(failing);
    const error = await policy.execute(fn).catch((e: unknown) => e);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'dep', reason: 'retries-exhausted' });
    expect((error as DependencyUnavailableError).cause).toBeInstanceOf(FlakyDependencyError);
  });

  it('does not retry once the breaker opened mid-call', async () => {
    const policy = createResiliencePolicy(
      'dep',
      { retry: { maxAttempts: 5, initialDelayMs: 1 }, breaker: { consecutiveFailures: 1 } },
      { logger: false },
    );
    const fn = jest.fn(failing);
    await expect(policy.execute(fn)).rejects.toMatchObject({ reason: 'circuit-open' });
    expect(fn).toHaveBeenCalledTimes(2); // the 2nd failure exceeds 1 and opens; the 3rd attempt is rejected
  });
});

describe('createResiliencePolicy: timeout', () => {
  it('aborts a slow call and reports DependencyUnavailableError(timeout)', async () => {
    const policy = createResiliencePolicy('dep', { timeoutMs: 20, retry: { maxAttempts: 1 } }, { logger: false });
    let aborted = false;
    const error = await policy
      .execute(
        (signal) =>
          new Promise<string>((resolve) => {
            const timer = setTimeout(() => resolve('too late'), 5_000);
            signal.addEventListener('abort', () => {
              aborted = true;
              clearTimeout(timer);
            });
          }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(aborted).toBe(true);
    expect(policy.stats.timeouts).toBe(1);
    expect(policy.stats.consecutiveFailures).toBe(1);
  });

  it('retries a timed-out attempt', async () => {
    const policy = createResiliencePolicy('dep', { timeoutMs: 20, retry: { maxAttempts: 2, initialDelayMs: 1 } }, { logger: false });
    let calls = 0;
    const result = await policy.execute(async (signal) => {
      calls += 1;
      if (calls === 1) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return 'second time lucky';
    });
    expect(result).toBe('second time lucky');
  });

  it("rethrows the caller's own abort instead of blaming the dependency", async () => {
    const policy = breakerOnly();
    const controller = new AbortController();
    const running = policy.execute(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      controller.signal,
    );
    controller.abort();
    const error = await running.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect(policy.stats.consecutiveFailures).toBe(0);
  });
});

describe('createResiliencePolicy: bulkhead', () => {
  it('rejects calls beyond maxConcurrent + maxQueue with DependencyUnavailableError(bulkhead-full)', async () => {
    const rejections: string[] = [];
    const policy = createResiliencePolicy(
      'dep',
      { bulkhead: { maxConcurrent: 1, maxQueue: 1 } },
      { logger: false, onRejected: (r) => rejections.push(r.reason) },
    );
    const gate = deferred<string>();
    const fn = jest.fn(() => gate.promise);
    const first = policy.execute(fn);
    const queued = policy.execute(fn);

    await expect(policy.execute(fn)).rejects.toMatchObject({ name: 'DependencyUnavailableError', reason: 'bulkhead-full' });

    gate.resolve('done');
    await expect(first).resolves.toBe('done');
    await expect(queued).resolves.toBe('done');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(rejections).toEqual(['bulkhead-full']);
    expect(policy.stats).toMatchObject({ rejected: 1, rejectedBulkheadFull: 1 });
    expect(policy.state).toBe('closed');
  });
});

describe('createResiliencePolicy: options', () => {
  it('refuses nonsensical options', () => {
    expect(() => createResiliencePolicy('dep', { retry: { maxAttempts: 0 } }, { logger: false })).toThrow(/retry.maxAttempts/);
    expect(() => createResiliencePolicy('dep', { timeoutMs: -1 }, { logger: false })).toThrow(/timeoutMs/);
  });
});

describe('isTransientFailure', () => {
  it.each([
    ['a network error is transient', new FlakyDependencyError(), true],
    ['an unknown error is transient', new Error('boom'), true],
    ['DependencyUnavailableError is transient (nak with delay, never dead-letter)', new DependencyUnavailableError('x', 'circuit-open'), true],
    ['an error marked permanent is not', new InvalidRequestError(), false],
    ['an error marked transient: false is not', Object.assign(new Error('no'), { transient: false }), false],
    ['a PermanentError (by name) is not', Object.assign(new Error('bad'), { name: 'PermanentError' }), false],
    ['an EventValidationError (by name) is not', Object.assign(new Error('bad'), { name: 'EventValidationError' }), false],
  ])('%s', (_label, error, expected) => {
    expect(isTransientFailure(error)).toBe(expected);
  });
});
