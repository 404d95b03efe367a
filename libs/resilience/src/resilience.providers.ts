import { validateEnv } from '@app/runtime';
import { type FactoryProvider, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { RESILIENCE_DEFAULTS } from './resilience.constants';
import { RESILIENCE_ENV_KEYS, ResilienceEnv, resilienceOptionsFromEnv } from './resilience.env';
import { DEFAULT_RESILIENCE_OPTIONS, type ResilienceOptions, type ResilienceOverrides, resolveResilienceOptions } from './resilience.options';

/** Options of `ResilienceModule.forRoot`. */
export interface ResilienceModuleOptions {
  /** Read `RESILIENCE_*` variables through the global `ConfigService` (default true). */
  fromEnv?: boolean;
  /** Applied over the env (or built-in) defaults, for every policy of the app. */
  defaults?: ResilienceOverrides;
}

/**
 * Builds the app-wide policy defaults. The variables are validated here (fail fast with the variable's name) even when
 * the app's own env schema does not include them yet; with `WithResilienceEnv` in the schema they arrive as numbers.
 */
export function resilienceDefaultsProvider(options: ResilienceModuleOptions): FactoryProvider<ResilienceOptions> {
  return {
    provide: RESILIENCE_DEFAULTS,
    inject: [{ token: ConfigService, optional: true }],
    useFactory: (config?: ConfigService) => {
      let base: ResilienceOptions = DEFAULT_RESILIENCE_OPTIONS;
      if (options.fromEnv !== false) {
        const raw: Record<string, unknown> = {};
        for (const key of RESILIENCE_ENV_KEYS) raw[key] = config ? config.get<unknown>(key) : process.env[key];
        base = resilienceOptionsFromEnv(validateEnv(ResilienceEnv, raw));
      }
      const resolved = resolveResilienceOptions(options.defaults, base);
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
