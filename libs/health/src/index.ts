export { HealthModule } from './health.module';
export { ReadinessRegistry, type ReadinessCheck } from './readiness.registry';
export { breakersCheck, consumersCheck, databaseCheck, jetStreamCheck, natsConnectionCheck } from './indicators';
