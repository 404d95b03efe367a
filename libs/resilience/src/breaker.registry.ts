import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { type BatchObservableCallback, type Counter, type Meter, metrics, type ObservableGauge } from '@opentelemetry/api';

import { createResiliencePolicy } from './dependency.policy';
import {
  BREAKER_STATE_VALUE,
  type BreakerState,
  type DependencyPolicy,
  type DependencyPolicyHooks,
  type Subscription,
} from './dependency-policy.interfaces';
import { RESILIENCE_DEFAULTS, RESILIENCE_INSTRUMENTATION_SCOPE, ResilienceMetricNames } from './resilience.constants';
import { DEFAULT_RESILIENCE_OPTIONS, type ResilienceOptions, type ResilienceOverrides, resolveResilienceOptions } from './resilience.options';

/** One dependency's entry in `/health/ready` details. Always `up`: an open breaker is not a reason to stop traffic. */
export interface DependencyHealth {
  status: 'up';
  state: BreakerState;
  consecutiveFailures: number;
  rejected: number;
  /** ISO time the breaker opened, while open or half-open. */
  openedAt?: string;
  /** Earliest time the open breaker lets a trial call through. */
  nextTrialAt?: string;
  lastFailure?: { at: string; message: string };
}

/**
 * Every named dependency policy of the process, for health details, metrics and logs. Create policies here
 * (`create('payment-gateway')`) so they start from the app's configured defaults and are observed.
 */
@Injectable()
export class BreakerRegistry implements OnModuleDestroy {
  private readonly logger = new Logger('Resilience');
  private readonly policies = new Map<string, { policy: DependencyPolicy; subscriptions: Subscription[] }>();
  private readonly defaults: ResilienceOptions;
  private readonly stateGauge: ObservableGauge;
  private readonly rejectedCounter: Counter;
  private readonly transitionsCounter: Counter;
  private readonly observeStates: BatchObservableCallback;
  private readonly meter: Meter;

  constructor(@Optional() @Inject(RESILIENCE_DEFAULTS) defaults?: ResilienceOptions) {
    this.defaults = defaults ?? DEFAULT_RESILIENCE_OPTIONS;
    // Instruments come from the global meter provider, which the telemetry SDK registers before Nest builds this.
    const meter = (this.meter = metrics.getMeter(RESILIENCE_INSTRUMENTATION_SCOPE));
    this.stateGauge = meter.createObservableGauge(ResilienceMetricNames.BREAKER_STATE, {
      description: 'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open.',
      unit: '1',
    });
    this.rejectedCounter = meter.createCounter(ResilienceMetricNames.CALLS_REJECTED, {
      description: 'Calls to a dependency turned away without trying it (breaker open or bulkhead full).',
      unit: '{call}',
    });
    this.transitionsCounter = meter.createCounter(ResilienceMetricNames.BREAKER_TRANSITIONS, {
      description: 'Circuit breaker state transitions per dependency.',
      unit: '{transition}',
    });
    this.observeStates = (result) => {
      for (const { policy } of this.policies.values()) {
        result.observe(this.stateGauge, BREAKER_STATE_VALUE[policy.state], { dependency: policy.name });
      }
    };
    meter.addBatchObservableCallback(this.observeStates, [this.stateGauge]);
  }

  /** The options new policies start from (env-configured when the module was built from the environment). */
  get defaultOptions(): Readonly<ResilienceOptions> {
    return this.defaults;
  }

  /** Creates a policy from the defaults plus `overrides` and registers it. Throws if the name is taken. */
  create(name: string, overrides: ResilienceOverrides = {}, hooks: Omit<DependencyPolicyHooks, 'logger'> = {}): DependencyPolicy {
    this.assertFree(name);
    const policy = createResiliencePolicy(name, resolveResilienceOptions(overrides, this.defaults), {
      ...hooks,
      logger: this.logger,
    });
    return this.register(policy);
  }

  /** Registers a policy built elsewhere, so it shows in health and metrics. Throws if the name is taken. */
  register(policy: DependencyPolicy): DependencyPolicy {
    this.assertFree(policy.name);
    const subscriptions = [
      policy.onRejected(({ dependency, reason }) => this.rejectedCounter.add(1, { dependency, reason })),
      policy.onStateChange(({ dependency, to }) => this.transitionsCounter.add(1, { dependency, state: to })),
    ];
    this.policies.set(policy.name, { policy, subscriptions });
    return policy;
  }

  /** The policy registered under `name`, if any. */
  get(name: string): DependencyPolicy | undefined {
    return this.policies.get(name)?.policy;
  }

  /** Every registered policy, in registration order. */
  list(): DependencyPolicy[] {
    return [...this.policies.values()].map((entry) => entry.policy);
  }

  /**
   * Health details keyed by dependency name, e.g. `{ 'payment-gateway': { status: 'up', state: 'open', ... } }`.
   * Always `up`: readiness decides whether this replica should get traffic, and an outside provider being down is
   * the same for every replica; the breaker state is there for operators.
   */
  health(): Record<string, DependencyHealth> {
    const details: Record<string, DependencyHealth> = {};
    for (const policy of this.list()) {
      const stats = policy.stats;
      const state = policy.state;
      const entry: DependencyHealth = {
        status: 'up',
        state,
        consecutiveFailures: stats.consecutiveFailures,
        rejected: stats.rejected,
      };
      if (state !== 'closed' && stats.openedAt) {
        entry.openedAt = stats.openedAt;
        entry.nextTrialAt = new Date(Date.parse(stats.openedAt) + policy.options.breaker.halfOpenAfterMs).toISOString();
      }
      if (stats.lastFailure) entry.lastFailure = stats.lastFailure;
      details[policy.name] = entry;
    }
    return details;
  }

  /** A readiness check (fits `ReadinessRegistry.register(key, check)` of @app/health); never fails, never hangs. */
  readinessCheck(): () => Promise<Record<string, DependencyHealth>> {
    return () => Promise.resolve(this.health());
  }

  /** Stops observing: removes the gauge callback and the policy subscriptions. */
  onModuleDestroy(): void {
    this.meter.removeBatchObservableCallback(this.observeStates, [this.stateGauge]);
    for (const { subscriptions } of this.policies.values()) subscriptions.forEach((s) => s.dispose());
  }

  private assertFree(name: string): void {
    if (this.policies.has(name)) throw new Error(`a resilience policy named "${name}" is already registered`);
  }
}
