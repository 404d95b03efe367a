import { resilienceOptionsFromEnv } from '@app/resilience';
import { ConfigValidationError, validateEnv } from '@app/runtime';

import { PaymentServiceEnv } from './payment.env';

describe('PaymentServiceEnv', () => {
  it('applies every default when nothing is set', () => {
    const env = validateEnv(PaymentServiceEnv, {});
    expect(env).toMatchObject({
      PORT: 3002,
      RESILIENCE_TIMEOUT_MS: 2_000,
      RESILIENCE_RETRY_MAX_ATTEMPTS: 3,
      RESILIENCE_RETRY_INITIAL_DELAY_MS: 100,
      RESILIENCE_RETRY_MAX_DELAY_MS: 2_000,
      RESILIENCE_BREAKER_THRESHOLD: 5,
      RESILIENCE_BREAKER_HALF_OPEN_MS: 30_000,
      RESILIENCE_BULKHEAD_MAX_CONCURRENT: 64,
      RESILIENCE_BULKHEAD_MAX_QUEUE: 256,
      PAYMENT_GATEWAY_FAILURE_RATE: 0,
      PAYMENT_GATEWAY_LATENCY_MS: 50,
      PAYMENT_DECLINE_ABOVE: 1_000_000,
    });
    expect(resilienceOptionsFromEnv(env).breaker).toEqual({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 });
  });

  it('converts strings and reports every bad variable by name', () => {
    expect(validateEnv(PaymentServiceEnv, { RESILIENCE_BREAKER_HALF_OPEN_MS: '1000', PAYMENT_GATEWAY_FAILURE_RATE: '0.25' })).toMatchObject({
      RESILIENCE_BREAKER_HALF_OPEN_MS: 1_000,
      PAYMENT_GATEWAY_FAILURE_RATE: 0.25,
    });
    let error: unknown;
    try {
      validateEnv(PaymentServiceEnv, { RESILIENCE_RETRY_MAX_ATTEMPTS: '0', PAYMENT_DECLINE_ABOVE: 'many', NATS_URL: 'nats://127.0.0.1:4222' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(String(error)).toContain('RESILIENCE_RETRY_MAX_ATTEMPTS');
    expect(String(error)).toContain('PAYMENT_DECLINE_ABOVE');
  });
});
