/**
 * Injection token of the app's environment, validated once at boot by `runService` (an instance of the app's env
 * class, e.g. `OrderServiceEnv`): `@Inject(APP_ENV) env: PaymentServiceEnv`.
 */
export const APP_ENV = 'RUNTIME:ENV';

/** Largest accepted HTTP body; larger ones get 413. */
export const HTTP_BODY_LIMIT_BYTES = 64 * 1024;
