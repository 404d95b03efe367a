import { validateEnv } from '@app/runtime';

import { NotificationServiceEnv } from './notification.env';

describe('NotificationServiceEnv', () => {
  it('applies the provider and resilience defaults when nothing is set', () => {
    expect(validateEnv(NotificationServiceEnv, {})).toMatchObject({
      PORT: 3003,
      NOTIFICATION_PROVIDER_FAILURE_RATE: 0,
      NOTIFICATION_PROVIDER_LATENCY_MS: 50,
      RESILIENCE_BREAKER_THRESHOLD: 5,
    });
  });
});
