/**
 * @app/resilience: retry, circuit breaker, timeout and bulkhead around each outside dependency (cockatiel 3), one
 * named policy per dependency, observed in health details and metrics through the `BreakerRegistry`.
 */
export { abortableDelay } from './abortable-delay';
export { BreakerRegistry, type DependencyHealth } from './breaker.registry';
export { createResiliencePolicy } from './dependency.policy';
export type { DependencyPolicy } from './dependency-policy.interfaces';
export { DependencyUnavailableError, type UnavailableReason } from './errors/dependency-unavailable.error';
export { resilienceOptionsFromEnv, type ResilienceEnvVars, WithResilienceEnv } from './resilience.env';
export { ResilienceModule } from './resilience.module';
export type { ResilienceOptions, ResilienceOverrides } from './resilience.options';
export type { ResilienceModuleOptions } from './resilience.providers';
