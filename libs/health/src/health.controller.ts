import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';

import { LifecycleService } from './lifecycle.service';
import { ReadinessRegistry } from './readiness.registry';

/** The failing indicators of a readiness result as `name: message` pairs, for one log line. */
function reasons(result: Partial<HealthCheckResult>): string {
  return Object.entries(result.error ?? {})
    .map(([name, indicator]) => {
      const message = (indicator as { message?: unknown } | undefined)?.message;
      return `${name}: ${typeof message === 'string' ? message : String(indicator?.status)}`;
    })
    .join('; ');
}

@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Readiness');
  /** The last readiness answer logged, so a probe failing every few seconds logs once, not at every probe. */
  private lastLogged?: string;

  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessRegistry,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Liveness: the process can serve HTTP. Depends on nothing outside the process, so a dead broker never causes restarts. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: every registered dependency answers. 503 with the Terminus details when one does not, or while
   * shutting down. The answer is written here rather than thrown, so no exception filter (an app's problem-details
   * one) replaces the details, and no probe logs an error: a change of state is logged once, as a warning.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Partial<HealthCheckResult>> {
    let result: Partial<HealthCheckResult>;
    if (this.lifecycle.isShuttingDown) {
      result = { status: 'error', info: {}, error: { shutdown: { status: 'down', message: 'shutting down' } }, details: {} };
    } else {
      try {
        result = await this.health.check(this.readiness.list());
      } catch (error) {
        if (!(error instanceof ServiceUnavailableException)) throw error;
        result = error.getResponse() as Partial<HealthCheckResult>;
      }
    }
    this.logChange(result);
    if (result.status !== 'ok') void reply.status(503);
    return result;
  }

  private logChange(result: Partial<HealthCheckResult>): void {
    const summary = result.status === 'ok' ? 'ok' : reasons(result);
    if (summary === this.lastLogged) return;
    const first = this.lastLogged === undefined;
    this.lastLogged = summary;
    if (result.status === 'ok') {
      if (!first) this.logger.log('ready again');
    } else if (!this.lifecycle.isShuttingDown) {
      this.logger.warn(`not ready: ${summary}`);
    }
  }
}
