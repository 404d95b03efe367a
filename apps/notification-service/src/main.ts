import './instrumentation';

import { connectEventTransport, runService } from '@app/runtime';

import { NotificationServiceEnv } from './config/notification.env';
import { NotificationServiceModule } from './notification-service.module';

void runService({ name: 'notification-service', module: NotificationServiceModule, env: NotificationServiceEnv, configure: connectEventTransport });
