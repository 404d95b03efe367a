import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/** The simulated provider's knobs as a plain shape. */
export interface NotificationProviderEnvVars {
  NOTIFICATION_PROVIDER_FAILURE_RATE: number;
  NOTIFICATION_PROVIDER_LATENCY_MS: number;
}

/**
 * Adds the simulated notification provider's variables to an env schema:
 * `class NotificationServiceEnv extends WithNotificationProviderEnv(WithResilienceEnv(CommonEnv)) {}`.
 */
export function WithNotificationProviderEnv<TBase extends Constructor>(Base: TBase) {
  class NotificationProviderEnvMixin extends Base implements NotificationProviderEnvVars {
    /** Share of provider calls that fail technically (0..1), to inject faults. */
    @Type(() => Number)
    @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number between 0 and 1' })
    @Min(0, { message: 'must be a number between 0 and 1' })
    @Max(1, { message: 'must be a number between 0 and 1' })
    NOTIFICATION_PROVIDER_FAILURE_RATE: number = 0;

    /** Simulated response time of each provider call. */
    @Type(() => Number)
    @IsInt({ message: 'must be a whole number of milliseconds >= 0' })
    @Min(0, { message: 'must be a whole number of milliseconds >= 0' })
    NOTIFICATION_PROVIDER_LATENCY_MS: number = 50;
  }
  return NotificationProviderEnvMixin;
}
