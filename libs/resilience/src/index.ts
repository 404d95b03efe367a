export { abortableDelay } from './abortable-delay';
export { BreakerRegistry, type DependencyHealth } from './breaker.registry';
export { createResiliencePolicy } from './dependency.policy';
export {
  BREAKER_STATE_VALUE,
  type BreakerState,
  type BreakerStateChange,
  type CallRejection,
  type DependencyPolicy,
  type DependencyPolicyHooks,
  type DependencyStats,
  type RetryAttempt,
  type Subscription,
} from './dependency-policy.interfaces';
export { DependencyUnavailableError, type UnavailableReason } from './errors/dependency-unavailable.error';
export { isTransientFailure } from './errors/transient-failure';
export { RESILIENCE_DEFAULTS, ResilienceMetricNames } from './resilience.constants';
export { resilienceOptionsFromEnv, WithResilienceEnv, type ResilienceEnvVars } from './resilience.env';
export { ResilienceModule } from './resilience.module';
export {
  DEFAULT_RESILIENCE_OPTIONS,
  resolveResilienceOptions,
  type BreakerOptions,
  type BulkheadOptions,
  type ResilienceOptions,
  type ResilienceOverrides,
  type RetryOptions,
} from './resilience.options';
export { type ResilienceModuleOptions } from './resilience.providers';
