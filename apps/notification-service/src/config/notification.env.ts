import { CommonEnv } from '@app/runtime';

/** notification-service's environment: the common variables with its own default port. */
export class NotificationServiceEnv extends CommonEnv {
  override PORT = 3003;
}
