import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';

import { WithNotificationProviderEnv } from '../provider';

/** notification-service's environment: common and resilience variables, the simulated provider, its default port. */
export class NotificationServiceEnv extends WithNotificationProviderEnv(WithResilienceEnv(CommonEnv)) {
  override PORT = 3003;
}
