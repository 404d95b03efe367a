import { LifecycleService } from '@app/runtime';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

import { ReadinessRegistry } from './readiness.registry';

@Controller('health')
export class HealthController {
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

  /** Readiness: every registered dependency answers. 503 with details when one does not, or while shutting down. */
  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.lifecycle.isShuttingDown) {
      throw new ServiceUnavailableException({ status: 'error', error: { shutdown: { status: 'down', message: 'shutting down' } } });
    }
    return this.health.check(this.readiness.list());
  }
}
