import { type FactoryProvider, Logger } from '@nestjs/common';

import { RESILIENCE_DEFAULTS } from './resilience.constants';
import { type ResilienceOptions, type ResilienceOverrides, resolveResilienceOptions } from './resilience.options';

/** Options of `ResilienceModule.forRoot`. */
export interface ResilienceModuleOptions {
  /**
   * What every policy of the app starts from, merged over the built-in defaults; an app maps its validated
   * `RESILIENCE_*` variables here with `resilienceOptionsFromEnv(env)`.
   */
  defaults?: ResilienceOverrides;
}

/** Builds the app-wide policy defaults and logs them once. */
export function resilienceDefaultsProvider(options: ResilienceModuleOptions): FactoryProvider<ResilienceOptions> {
  return {
    provide: RESILIENCE_DEFAULTS,
    useFactory: () => {
      const resolved = resolveResilienceOptions(options.defaults);
      new Logger('Resilience').log(
        `policy defaults: timeout ${resolved.timeoutMs} ms, ${resolved.retry.maxAttempts} attempts ` +
          `(backoff ${resolved.retry.initialDelayMs}..${resolved.retry.maxDelayMs} ms), breaker opens after more than ` +
          `${resolved.breaker.consecutiveFailures} consecutive failures (half-open after ${resolved.breaker.halfOpenAfterMs} ms), ` +
          `bulkhead ${resolved.bulkhead.maxConcurrent} + ${resolved.bulkhead.maxQueue} queued`,
      );
      return resolved;
    },
  };
}
