import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

import { WithPaymentGatewayEnv } from '../gateway';

/** payment-service's environment: common and resilience variables, the simulated gateway, its default port. */
export class PaymentServiceEnv extends WithPaymentGatewayEnv(WithResilienceEnv(CommonEnv)) {
  override PORT = 3002;

  /**
   * Test hook, off (0) by default: hold each payment this long after the gateway answered and before the payment is
   * committed, so a fault test can kill the service exactly between the charge and the commit. Never set it in
   * production: every held payment delays its order by this much.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of milliseconds between 0 and 600000' })
  @Min(0, { message: 'must be a whole number of milliseconds between 0 and 600000' })
  @Max(600_000, { message: 'must be a whole number of milliseconds between 0 and 600000' })
  PAYMENT_TEST_HOLD_AFTER_CHARGE_MS: number = 0;
}
