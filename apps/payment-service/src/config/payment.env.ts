import { CommonEnv } from '@app/runtime';

/** payment-service's environment: the common variables with its own default port. */
export class PaymentServiceEnv extends CommonEnv {
  override PORT = 3002;
}
