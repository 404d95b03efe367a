import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

/** A readiness check: resolves to an indicator result (`up` or `down` with details); must not hang. */
export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

/**
 * Collects the checks that decide `/health/ready`. Modules that own a dependency (messaging, persistence, ...)
 * register their check here at start-up, so the health module needs to know none of them.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(key: string, check: ReadinessCheck): void {
    this.checks.set(key, check);
  }

  list(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
