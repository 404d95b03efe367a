import type { LoggerService } from '@nestjs/common';

/** Nest's own start-up lines: one per module initialised, controller resolved and route mapped. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice']);
/** Detail an operator needs only when debugging: which streams and consumers were created or updated. */
const DETAIL_CONTEXTS = new Set(['JetStreamProvisioner']);

/**
 * The app logger in front of nestjs-pino's: until {@link QuietBootLogger.booted} (the service listens), `log`
 * lines are boot detail and go out at debug, as do Nest's framework lines and provisioning detail at any time, so
 * `npm start` at info shows what happened (listening, consuming, warnings), not how. Warnings and errors keep
 * their level throughout.
 */
export class QuietBootLogger implements LoggerService {
  private booting = true;

  constructor(private readonly inner: LoggerService) {}

  /** Ends the boot phase: from now on only framework and provisioning detail is demoted. */
  booted(): void {
    this.booting = false;
  }

  log(message: unknown, ...params: unknown[]): void {
    // Nest passes the context as the last argument (`new Logger('Ctx').log(m)` becomes `log(m, 'Ctx')`).
    const context = params.at(-1);
    const detail = typeof context === 'string' && (FRAMEWORK_CONTEXTS.has(context) || DETAIL_CONTEXTS.has(context));
    if ((this.booting || detail) && this.inner.debug) this.inner.debug(message, ...params);
    else this.inner.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...params);
  }
}
