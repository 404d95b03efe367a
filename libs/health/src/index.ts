export { HealthModule } from './health.module';
export { LifecycleService } from './lifecycle.service';
export { ReadinessRegistry, type ReadinessCheck } from './readiness.registry';
export { breakersCheck, consumersCheck, databaseCheck, jetStreamCheck, natsConnectionCheck } from './indicators';
