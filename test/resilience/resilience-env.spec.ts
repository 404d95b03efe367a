import { resilienceOptionsFromEnv, WithResilienceEnv } from '@app/resilience';
import { CommonEnv, ConfigValidationError, validateEnv } from '@app/runtime';

import { WithNotificationProviderEnv } from '../../apps/notification-service/src/provider';
import { WithPaymentGatewayEnv } from '../../apps/payment-service/src/gateway';

/** How an app composes its schema: the common variables plus the mixins of what it uses. */
class PaymentLikeEnv extends WithPaymentGatewayEnv(WithResilienceEnv(CommonEnv)) {
  override PORT = 3002;
}
class NotificationLikeEnv extends WithNotificationProviderEnv(WithResilienceEnv(CommonEnv)) {
  override PORT = 3003;
}

describe('resilience env mixins', () => {
  it('apply every default when nothing is set', () => {
    const env = validateEnv(PaymentLikeEnv, {});
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
    expect(validateEnv(NotificationLikeEnv, {})).toMatchObject({ NOTIFICATION_PROVIDER_FAILURE_RATE: 0, NOTIFICATION_PROVIDER_LATENCY_MS: 50 });
  });

  it('convert strings and report every bad variable by name', () => {
    expect(validateEnv(PaymentLikeEnv, { RESILIENCE_BREAKER_HALF_OPEN_MS: '1000', PAYMENT_GATEWAY_FAILURE_RATE: '0.25' })).toMatchObject({
      RESILIENCE_BREAKER_HALF_OPEN_MS: 1_000,
      PAYMENT_GATEWAY_FAILURE_RATE: 0.25,
    });
    let error: unknown;
    try {
      validateEnv(PaymentLikeEnv, { RESILIENCE_RETRY_MAX_ATTEMPTS: '0', PAYMENT_DECLINE_ABOVE: 'many', NATS_URL: 'nats://127.0.0.1:4222' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(String(error)).toContain('RESILIENCE_RETRY_MAX_ATTEMPTS');
    expect(String(error)).toContain('PAYMENT_DECLINE_ABOVE');
  });
});
