import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';
import { ReadinessRegistry } from './readiness.registry';

/**
 * `GET /health/live` and `GET /health/ready` for Kubernetes probes. Readiness turns 503 as soon as
 * `LifecycleService.beginShutdown()` is called (the SIGTERM handler does, before anything closes).
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessRegistry, LifecycleService],
  exports: [ReadinessRegistry, LifecycleService],
})
export class HealthModule {}
