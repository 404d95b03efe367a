import { breakersCheck, consumersCheck, databaseCheck, jetStreamCheck, natsConnectionCheck, ReadinessRegistry } from '@app/health';
import { MessagingHealth } from '@app/messaging';
import { DatabaseHealth } from '@app/persistence';
import { BreakerRegistry } from '@app/resilience';
import { Injectable, type OnModuleInit } from '@nestjs/common';

/** Registers what `/health/ready` checks: NATS, JetStream, the consumers, the database (+ outbox) and the breakers. */
@Injectable()
export class PlatformHealth implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly messaging: MessagingHealth,
    private readonly database: DatabaseHealth,
    private readonly breakers: BreakerRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('nats', natsConnectionCheck('nats', this.messaging));
    this.readiness.register('jetstream', jetStreamCheck('jetstream', this.messaging));
    this.readiness.register('consumers', consumersCheck('consumers', this.messaging));
    this.readiness.register('database', databaseCheck('database', this.database));
    this.readiness.register('breakers', breakersCheck(this.breakers));
  }
}
