import { EventPlatformModule, RuntimeModule } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';

import type { NotificationServiceEnv } from './config/notification.env';
import { NOTIFICATION_MIGRATIONS } from './db/notification.migrations';
import { NotificationEventsController } from './notifications/notification-events.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { NOTIFICATION_SERVICE, NotificationsService } from './notifications/notifications.service';
import { notificationProviderConfigFromEnv, NotificationProviderModule } from './provider';

/** Tells customers how their orders ended, once per order and outcome, through the provider (behind a breaker). */
@Module({})
export class NotificationServiceModule {
  /** The app over its environment, validated once by `runService`. */
  static forRoot(env: NotificationServiceEnv): DynamicModule {
    return {
      module: NotificationServiceModule,
      imports: [
        RuntimeModule.forRoot({ serviceName: NOTIFICATION_SERVICE, env }),
        EventPlatformModule.forRoot({
          serviceName: NOTIFICATION_SERVICE,
          env,
          schema: 'notifications',
          migrations: NOTIFICATION_MIGRATIONS,
          ownedStreams: ['NOTIFICATIONS'],
        }),
        NotificationProviderModule.forRoot(notificationProviderConfigFromEnv(env)),
      ],
      controllers: [NotificationEventsController],
      providers: [NotificationsService, NotificationsRepository],
    };
  }
}
