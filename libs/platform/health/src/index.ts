export { type HealthCheck, HealthRegistry, type HealthReport } from './health-registry';
export { HealthModule } from './health.module';
