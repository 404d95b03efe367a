import { PermanentError } from './errors/messaging.errors';
import { backoffDelay, describeFailure, headerValue } from './consumer-runner';

describe('consumer settlement helpers', () => {
  it('takes the nak delay for delivery n from backoff[n - 1] and repeats the last entry', () => {
    const schedule = [1000, 5000, 15_000, 30_000];
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(schedule, n))).toEqual([1000, 5000, 15_000, 30_000, 30_000, 30_000]);
    expect(backoffDelay([], 3)).toBe(0);
    expect(backoffDelay(schedule, 0)).toBe(1000);
  });

  it('makes error text safe for a header (one line, bounded)', () => {
    expect(headerValue('line one\r\nline two\nthree')).toBe('line one line two three');
    expect(headerValue('x'.repeat(5000))).toHaveLength(1024);
  });

  it('describes the original error with its class, and Nest\'s wrapped error objects as JSON', () => {
    expect(describeFailure(new PermanentError('unknown sku'))).toBe('PermanentError: unknown sku');
    expect(describeFailure({ status: 'error', message: 'Internal server error' })).toBe('{"status":"error","message":"Internal server error"}');
    expect(describeFailure('plain')).toBe('plain');
  });
});
