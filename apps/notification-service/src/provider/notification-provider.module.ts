import { BreakerRegistry } from '@app/resilience';
import { type DynamicModule, Module } from '@nestjs/common';

import { DatabaseNotificationProviderBooks } from './notification-provider.books';
import { NotificationProviderClient } from './notification-provider.client';
import {
  NOTIFICATION_PROVIDER,
  NOTIFICATION_PROVIDER_BOOKS,
  NOTIFICATION_PROVIDER_CONFIG,
  NOTIFICATION_PROVIDER_DEPENDENCY,
  NOTIFICATION_PROVIDER_POLICY,
} from './notification-provider.constants';
import type { NotificationProviderEnvVars } from './notification-provider.env';
import type { NotificationProviderConfig } from './notification-provider.interfaces';
import { SimulatedNotificationProvider } from './simulated-notification.provider';

/** The provider's settings from the app's validated environment (`WithNotificationProviderEnv` in its schema). */
export function notificationProviderConfigFromEnv(env: NotificationProviderEnvVars): NotificationProviderConfig {
  return { failureRate: env.NOTIFICATION_PROVIDER_FAILURE_RATE, latencyMs: env.NOTIFICATION_PROVIDER_LATENCY_MS };
}

/**
 * Provides {@link NotificationProviderClient}: the simulated provider behind the `notification-provider` policy.
 * Needs the global `ResilienceModule.forRoot()` (for BreakerRegistry) and the global `PersistenceModule` (the
 * provider's books live in the service's database; tests without one override `NOTIFICATION_PROVIDER_BOOKS`).
 */
@Module({})
export class NotificationProviderModule {
  static forRoot(config: NotificationProviderConfig): DynamicModule {
    return {
      module: NotificationProviderModule,
      providers: [
        { provide: NOTIFICATION_PROVIDER_CONFIG, useValue: config },
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
    };
  }
}
