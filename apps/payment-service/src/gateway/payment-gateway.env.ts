import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/** The simulated gateway's knobs as a plain shape. */
export interface PaymentGatewayEnvVars {
  PAYMENT_GATEWAY_FAILURE_RATE: number;
  PAYMENT_GATEWAY_LATENCY_MS: number;
  PAYMENT_DECLINE_ABOVE: number;
}

/**
 * Adds the simulated payment gateway's variables to an env schema:
 * `class PaymentServiceEnv extends WithPaymentGatewayEnv(WithResilienceEnv(CommonEnv)) {}`.
 */
export function WithPaymentGatewayEnv<TBase extends Constructor>(Base: TBase) {
  class PaymentGatewayEnvMixin extends Base implements PaymentGatewayEnvVars {
    /** Share of gateway calls that fail technically (0..1), to inject faults. */
    @Type(() => Number)
    @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number between 0 and 1' })
    @Min(0, { message: 'must be a number between 0 and 1' })
    @Max(1, { message: 'must be a number between 0 and 1' })
    PAYMENT_GATEWAY_FAILURE_RATE: number = 0;

    /** Simulated response time of each gateway call. */
    @Type(() => Number)
    @IsInt({ message: 'must be a whole number of milliseconds >= 0' })
    @Min(0, { message: 'must be a whole number of milliseconds >= 0' })
    PAYMENT_GATEWAY_LATENCY_MS: number = 50;

    /** Amounts (minor units) above this are declined: a business answer, never a technical failure. */
    @Type(() => Number)
    @IsInt({ message: 'must be a whole number of minor units >= 0' })
    @Min(0, { message: 'must be a whole number of minor units >= 0' })
    PAYMENT_DECLINE_ABOVE: number = 1_000_000;
  }
  return PaymentGatewayEnvMixin;
}
