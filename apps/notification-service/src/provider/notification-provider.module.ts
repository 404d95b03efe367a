import { validateEnv } from '@app/runtime';
import { BreakerRegistry } from '@app/resilience';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { NotificationProviderClient } from './notification-provider.client';
import { DatabaseNotificationProviderBooks } from './notification-provider.books';
import {
  NOTIFICATION_PROVIDER,
  NOTIFICATION_PROVIDER_BOOKS,
  NOTIFICATION_PROVIDER_CONFIG,
  NOTIFICATION_PROVIDER_DEPENDENCY,
  NOTIFICATION_PROVIDER_POLICY,
} from './notification-provider.constants';
import { NOTIFICATION_PROVIDER_ENV_KEYS, NotificationProviderEnv } from './notification-provider.env';
import type { NotificationProviderConfig } from './notification-provider.interfaces';
import { SimulatedNotificationProvider } from './simulated-notification.provider';

/**
 * Reads and validates the provider's variables. Works whether or not the app's env schema includes
 * `WithNotificationProviderEnv`; a bad value fails the boot with its name.
 */
export function notificationProviderConfigFromEnv(read: (key: string) => unknown): NotificationProviderConfig {
  const raw = Object.fromEntries(NOTIFICATION_PROVIDER_ENV_KEYS.map((key) => [key, read(key)]));
  const env = validateEnv(NotificationProviderEnv, raw);
  return { failureRate: env.NOTIFICATION_PROVIDER_FAILURE_RATE, latencyMs: env.NOTIFICATION_PROVIDER_LATENCY_MS };
}

/**
 * Provides {@link NotificationProviderClient}: the simulated provider behind the `notification-provider` policy.
 * Needs the global `ResilienceModule.forRoot()` (for BreakerRegistry), `ConfigService`, and the global
 * `PersistenceModule` (the provider's books live in the service's database; tests without one override
 * `NOTIFICATION_PROVIDER_BOOKS`).
 */
@Module({
  providers: [
    {
      provide: NOTIFICATION_PROVIDER_CONFIG,
      inject: [{ token: ConfigService, optional: true }],
      useFactory: (config?: ConfigService): NotificationProviderConfig =>
        notificationProviderConfigFromEnv((key) => (config ? config.get<unknown>(key) : process.env[key])),
    },
    { provide: NOTIFICATION_PROVIDER_BOOKS, useClass: DatabaseNotificationProviderBooks },
    { provide: NOTIFICATION_PROVIDER, useClass: SimulatedNotificationProvider },
    {
      provide: NOTIFICATION_PROVIDER_POLICY,
      inject: [BreakerRegistry],
      useFactory: (breakers: BreakerRegistry) =>
        breakers.get(NOTIFICATION_PROVIDER_DEPENDENCY) ?? breakers.create(NOTIFICATION_PROVIDER_DEPENDENCY),
    },
    NotificationProviderClient,
  ],
  exports: [NotificationProviderClient],
})
export class NotificationProviderModule {}
