import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';

import type { CommonEnv } from './common.env';
import { buildPinoHttpOptions } from './logger.options';
import { APP_ENV } from './runtime.constants';

export interface RuntimeModuleOptions<E extends CommonEnv> {
  /** The service's name, e.g. `order-service`: it labels the logs. */
  serviceName: string;
  /** The app's environment, already validated (`runService` validates it once, before Nest starts). */
  env: E;
}

/**
 * What every service process needs: its validated environment under {@link APP_ENV} (global), and a pino logger
 * (JSON in production, pretty when stdout is a terminal). Import it once, in the app's root module.
 *
 * `ConfigService` (nestjs/config) is provided over the same validated values, for code that reads one variable with
 * `config.get(name)`; it never re-validates nor falls back to `process.env`.
 */
@Module({})
export class RuntimeModule {
  static forRoot<E extends CommonEnv>(options: RuntimeModuleOptions<E>): DynamicModule {
    const { env } = options;
    return {
      module: RuntimeModule,
      global: true,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...env })] }),
        LoggerModule.forRoot(buildPinoHttpOptions(options.serviceName, env.LOG_LEVEL, env.LOG_FORMAT)),
      ],
      providers: [{ provide: APP_ENV, useValue: env }],
      exports: [APP_ENV],
    };
  }
}
