import { PermanentError } from '../errors/messaging.errors';
import { backoffDelay, decideSettlement, type SettlementPolicy } from './settlement';

const policy: SettlementPolicy = { maxDeliver: 4, backoffMs: [1000, 5000, 15_000] };

describe('decideSettlement', () => {
  it('acks a delivery whose handler succeeded, whatever its delivery count', () => {
    expect(decideSettlement({ ok: true }, 1, policy)).toEqual({ action: 'ack' });
    expect(decideSettlement({ ok: true }, 4, policy)).toEqual({ action: 'ack' });
  });

  it('naks a transient failure with the backoff delay of this delivery', () => {
    const error = new Error('gateway timeout');
    expect(decideSettlement({ ok: false, error }, 1, policy)).toEqual({ action: 'nak', delayMs: 1000, reason: 'Error: gateway timeout' });
    expect(decideSettlement({ ok: false, error }, 3, policy)).toMatchObject({ action: 'nak', delayMs: 15_000 });
  });

  it('dead-letters the last allowed delivery with the error of that delivery', () => {
    expect(decideSettlement({ ok: false, error: new Error('still down') }, 4, policy)).toEqual({
      action: 'dead-letter',
      reason: 'max deliveries (4) exhausted: Error: still down',
    });
  });

  it('dead-letters a PermanentError at once, on the first delivery', () => {
    expect(decideSettlement({ ok: false, error: new PermanentError('unknown sku') }, 1, policy)).toEqual({
      action: 'dead-letter',
      reason: 'permanent: PermanentError: unknown sku',
    });
  });

  it('dead-letters poison (bytes that cannot be decoded) at once, with the decoder reason', () => {
    expect(decideSettlement({ ok: false, poison: 'malformed: not JSON' }, 1, policy)).toEqual({
      action: 'dead-letter',
      reason: 'malformed: not JSON',
    });
  });

  it("describes Nest's wrapped error objects as JSON when the original was not handed back", () => {
    expect(decideSettlement({ ok: false, error: { status: 'error', message: 'Internal server error' } }, 1, policy)).toMatchObject({
      reason: '{"status":"error","message":"Internal server error"}',
    });
  });
});

describe('backoffDelay', () => {
  it('takes the nak delay for delivery n from backoff[n - 1] and repeats the last entry', () => {
    const schedule = [1000, 5000, 15_000, 30_000];
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(schedule, n))).toEqual([1000, 5000, 15_000, 30_000, 30_000, 30_000]);
    expect(backoffDelay([], 3)).toBe(0);
    expect(backoffDelay(schedule, 0)).toBe(1000);
  });
});
