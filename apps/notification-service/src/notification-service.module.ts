import { RuntimeModule } from '@app/runtime';
import { EventPlatformModule } from '@app/runtime/platform';
import { Module } from '@nestjs/common';

import { NotificationServiceEnv } from './config/notification.env';
import { NOTIFICATION_MIGRATIONS } from './db/notification.migrations';
import { NotificationEventsController } from './notifications/notification-events.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { NOTIFICATION_SERVICE, NotificationsService } from './notifications/notifications.service';
import { NotificationProviderModule } from './provider';

/** Tells customers how their orders ended, once per order and outcome, through the provider (behind a breaker). */
@Module({
  imports: [
    RuntimeModule.forRoot({ serviceName: NOTIFICATION_SERVICE, env: NotificationServiceEnv }),
    EventPlatformModule.forRoot({
      serviceName: NOTIFICATION_SERVICE,
      schema: 'notifications',
      migrations: NOTIFICATION_MIGRATIONS,
      ownedStreams: ['NOTIFICATIONS'],
    }),
    NotificationProviderModule,
  ],
  controllers: [NotificationEventsController],
  providers: [NotificationsService, NotificationsRepository],
})
export class NotificationServiceModule {}
