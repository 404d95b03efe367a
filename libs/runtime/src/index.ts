/**
 * @app/runtime: how a service of this system starts and what it runs on.
 * - `runService(...)` validates the app's environment once, builds its root module from it and listens.
 * - `RuntimeModule.forRoot(...)` provides that environment under `APP_ENV`, and the logger.
 * - `EventPlatformModule.forRoot(...)` composes telemetry, resilience, health, messaging and persistence.
 */
export { runService, type ServiceDefinition } from './bootstrap';
export { CommonEnv } from './common.env';
export { ConfigValidationError, validateEnv } from './load-env';
export { connectEventTransport, EventPlatformModule, type EventPlatformOptions } from './platform/event-platform.module';
export { RuntimeModule, type RuntimeModuleOptions } from './runtime.module';
export { APP_ENV } from './runtime.constants';
export { ApiProblems, sendProblem, serveOpenApi } from './http';
