import type { PlatformConfig, ServiceName } from '@nidus/platform-config';
import type { HealthRegistry } from '@nidus/platform-health';
import type { MetricsRegistry } from '@nidus/platform-observability';
import type { EventBus } from '@nidus/messaging-core';
import type { DocumentStore, SessionStore } from '@nidus/persistence-core';
import type { Clock, Logger } from '@nidus/ports';

/** Everything a service is handed (its `create<Service>(runtime)` argument): ports, config and telemetry. */
export interface ServiceRuntime {
  readonly service: ServiceName;
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** This service's readiness checks; its ports register theirs as they are opened. */
  readonly health: HealthRegistry;
  /** What the service's /health/ready reports: its own checks, or the whole process's on the embedded API port. */
  readonly healthEndpoint: HealthRegistry;
  readonly bus: EventBus;
  readonly clock: Clock;
  /** The service's own document store, opened on first call. */
  documents(): Promise<DocumentStore>;
  /** The service's own session store namespace, opened on first call. */
  sessions(): Promise<SessionStore>;
}

/** Nest injection tokens for the runtime's parts (ports are interfaces: they need tokens). */
export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');
export const EVENT_BUS = Symbol('EVENT_BUS');
export const LOGGER = Symbol('LOGGER');
export const CLOCK = Symbol('CLOCK');
