import { HealthModule } from '@app/health';
import { RuntimeModule } from '@app/runtime';
import { Module } from '@nestjs/common';

import { NotificationServiceEnv } from './config/notification.env';

/** Tells customers how their order ended. */
@Module({
  imports: [RuntimeModule.forRoot({ serviceName: 'notification-service', env: NotificationServiceEnv }), HealthModule],
})
export class NotificationServiceModule {}
