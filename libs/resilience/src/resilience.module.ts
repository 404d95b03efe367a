import { type DynamicModule, Module } from '@nestjs/common';

import { BreakerRegistry } from './breaker.registry';
import { RESILIENCE_DEFAULTS } from './resilience.constants';
import { resilienceDefaultsProvider, type ResilienceModuleOptions } from './resilience.providers';

/**
 * Global module providing the {@link BreakerRegistry} (policies per dependency, health details, metrics). Import once
 * in the app's root module: `ResilienceModule.forRoot({ defaults: resilienceOptionsFromEnv(env) })`.
 * Readiness: register `registry.health()` with the app's ReadinessRegistry (`breakersCheck` of @app/health does).
 */
@Module({})
export class ResilienceModule {
  static forRoot(options: ResilienceModuleOptions = {}): DynamicModule {
    return {
      module: ResilienceModule,
      global: true,
      providers: [resilienceDefaultsProvider(options), BreakerRegistry],
      exports: [BreakerRegistry, RESILIENCE_DEFAULTS],
    };
  }
}
