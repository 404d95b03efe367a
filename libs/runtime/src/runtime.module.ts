import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';

import type { CommonEnv } from './common.env';
import { validateEnv } from './load-env';
import { LifecycleService } from './lifecycle.service';
import { buildPinoHttpOptions } from './logger.options';
import { SERVICE_NAME } from './runtime.constants';

export interface RuntimeModuleOptions<E extends CommonEnv> {
  /** The service's name, e.g. `order-service`: it labels logs, telemetry and consumer names. */
  serviceName: string;
  /** The app's env schema class (extends {@link CommonEnv}). */
  env: new () => E;
}

/**
 * What every service process needs: a global, validated `ConfigService` and a pino logger (JSON in production,
 * pretty when stdout is a terminal). Import it once, in the app's root module.
 */
@Module({})
export class RuntimeModule {
  static forRoot<E extends CommonEnv>(options: RuntimeModuleOptions<E>): DynamicModule {
    return {
      module: RuntimeModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true, // .env is loaded by the app's instrumentation entry, before anything else
          validate: (raw) => validateEnv(options.env, raw),
        }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<CommonEnv, true>) =>
            buildPinoHttpOptions(
              options.serviceName,
              config.get('LOG_LEVEL', { infer: true }),
              config.get('LOG_FORMAT', { infer: true }),
            ),
        }),
      ],
      providers: [{ provide: SERVICE_NAME, useValue: options.serviceName }, LifecycleService],
      exports: [SERVICE_NAME, LifecycleService],
    };
  }
}
