import { setTimeout as sleep } from 'node:timers/promises';

import { LifecycleService } from '@app/health';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';

import type { CommonEnv } from './common.env';
import { answerFrameworkError, configureHttpErrors } from './http';
import { ConfigValidationError, loadEnv } from './load-env';
import { watchParent } from './parent-watch';
import { QuietBootLogger } from './quiet-boot.logger';
import { HTTP_BODY_LIMIT_BYTES } from './runtime.constants';

export interface ServiceDefinition<E extends CommonEnv> {
  /** `order-service`, ... */
  name: string;
  /** The app's root module, built from the validated environment (`OrderServiceModule.forRoot(env)`). */
  module: { forRoot(env: E): DynamicModule };
  /**
   * The app's env schema. It is validated once, here, before Nest starts, so a bad value ends the process with one
   * clear message; the module tree then receives the typed result (`APP_ENV`, and each lib's `forRoot` options).
   */
  env: new () => E;
  /**
   * Checks of the validated environment that must pass before anything starts (order-service refuses to serve its
   * API unprotected). A thrown error ends the process with its message as one line and exit code 1.
   */
  preflight?: (env: E) => void;
  /** Adds what is particular to the app (transports, OpenAPI, ...) before it starts listening. */
  configure?: (app: NestFastifyApplication, env: E) => void | Promise<void>;
}

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, an optional pre-stop delay lets endpoints drop the pod, then
 * `app.close()` runs every module's shutdown hooks (consumers stop pulling, in-flight work settles, the outbox relay
 * stops, NATS drains, telemetry flushes, the database closes) and the process exits 0. Nest's own
 * `enableShutdownHooks()` would re-raise the signal after closing, so the exit status would not say "clean".
 * The same shutdown runs when the parent process exits (see {@link watchParent}), unless STOP_WITH_PARENT=false.
 */
function handleShutdownSignals<E extends CommonEnv>(app: INestApplication, name: string, env: E): void {
  const logger = app.get(Logger);
  let started = false;
  const shutdown = async (signal: NodeJS.Signals | 'parent exit') => {
    if (started) return;
    started = true;
    const deadline = setTimeout(() => {
      logger.error(`${name}: shutdown did not finish within ${env.SHUTDOWN_TIMEOUT_MS} ms; exiting`, 'Shutdown');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    logger.log(signal === 'parent exit' ? 'the parent process exited: shutting down' : `${signal} received: shutting down`, 'Shutdown');
    app.get(LifecycleService).beginShutdown();
    if (env.SHUTDOWN_DELAY_MS > 0) await sleep(env.SHUTDOWN_DELAY_MS);
    try {
      await app.close();
      logger.log('shutdown complete', 'Shutdown');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 'Shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  if (env.STOP_WITH_PARENT === 'true') watchParent(() => void shutdown('parent exit'));
}

function fail(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}

/**
 * Starts a service: validates its environment, creates the hybrid Nest app on Fastify, lets the app configure
 * itself, starts its transports and listens on `PORT`. Any start-up failure ends the process with exit code 1.
 */
export async function runService<E extends CommonEnv>(definition: ServiceDefinition<E>): Promise<INestApplication> {
  let env: E;
  try {
    env = loadEnv(definition.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) fail(definition.name, error.message);
    throw error;
  }
  try {
    definition.preflight?.(env);
  } catch (error) {
    fail(definition.name, error instanceof Error ? error.message : String(error));
  }

  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      definition.module.forRoot(env),
      new FastifyAdapter({ bodyLimit: HTTP_BODY_LIMIT_BYTES, frameworkErrors: answerFrameworkError }),
      { bufferLogs: true, abortOnError: false },
    );
    const appLogger = new QuietBootLogger(app.get(Logger));
    app.useLogger(appLogger);
    handleShutdownSignals(app, definition.name, env);
    configureHttpErrors(app);
    await definition.configure?.(app, env);
    await app.startAllMicroservices();
    await app.listen({ port: env.PORT, host: '0.0.0.0' });
    appLogger.booted();
    app.get(Logger).log(`${definition.name} listening on port ${env.PORT}`, 'Bootstrap');
    return app;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(definition.name, `failed to start: ${message}`);
  }
}
