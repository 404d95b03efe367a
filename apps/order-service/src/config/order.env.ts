import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';

/** order-service's environment: the common variables with its own default port. */
export class OrderServiceEnv extends WithResilienceEnv(CommonEnv) {
  override PORT = 3000;
}
