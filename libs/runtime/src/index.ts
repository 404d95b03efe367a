export { runService, HTTP_BODY_LIMIT_BYTES, type ServiceDefinition } from './bootstrap';
export { CommonEnv, LOG_LEVELS, type LogLevel } from './common.env';
export { IsNatsServerList, IsPostgresUrl } from './env.validators';
export { LifecycleService } from './lifecycle.service';
export { ConfigValidationError, validateEnv } from './load-env';
export { setLogMixin, type LogMixin } from './logger.options';
export { RuntimeModule, type RuntimeModuleOptions } from './runtime.module';
export { SERVICE_NAME } from './runtime.constants';
export { ApiProblems, BodyParseError, configureHttpErrors, isDatabaseOutage, parseJsonBody, type ProblemDetails, ProblemDetailsFilter, Problem, sendProblem, serveOpenApi, toProblem } from './http';
