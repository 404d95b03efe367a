/** Injection token of the {@link ResilienceOptions} every policy of the app starts from (env + forRoot overrides). */
export const RESILIENCE_DEFAULTS = 'RESILIENCE:DEFAULTS';

/** OpenTelemetry instrumentation scope of the resilience metrics. */
export const RESILIENCE_INSTRUMENTATION_SCOPE = '@app/resilience';

/** Metric names. Renaming one breaks dashboards and alerts: treat as a contract. */
export const ResilienceMetricNames = {
  /** Gauge per `dependency`: 0 closed, 1 open, 2 half-open. */
  BREAKER_STATE: 'resilience.circuit_breaker.state',
  /** Counter of calls turned away, by `dependency` and `reason` (`circuit-open`, `bulkhead-full`). */
  CALLS_REJECTED: 'resilience.calls.rejected',
  /** Counter of breaker transitions, by `dependency` and target `state`. */
  BREAKER_TRANSITIONS: 'resilience.circuit_breaker.transitions',
} as const;
