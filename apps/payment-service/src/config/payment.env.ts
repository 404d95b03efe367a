import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';

import { WithPaymentGatewayEnv } from '../gateway';

/** payment-service's environment: common and resilience variables, the simulated gateway, its default port. */
export class PaymentServiceEnv extends WithPaymentGatewayEnv(WithResilienceEnv(CommonEnv)) {
  override PORT = 3002;
}
