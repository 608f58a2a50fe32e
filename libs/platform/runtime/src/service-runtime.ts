import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlatformConfig, ServiceName } from '@nidus/platform-config';
import type { HealthRegistry } from '@nidus/platform-health';
import type { MetricsRegistry } from '@nidus/platform-observability';
import type { EventBus } from '@nidus/messaging-core';
import type { DocumentStore, SessionStore } from '@nidus/persistence-core';
import type { Clock, Logger } from '@nidus/ports';
import type { SecretBox } from '@nidus/platform-secrets';

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
  /** Encrypts secrets at rest with the deployment's key (NIDUS_SECRET_KEY or the data directory's key file). */
  readonly secrets: SecretBox;
  /** What the api sends, and the services behind it require, on internal requests (ADR 0006). */
  readonly internalToken: string;
  /** Base URL of another service's HTTP listener: in this process, or `<SERVICE>_URL`. */
  locate(service: ServiceName): string;
  /**
   * The HTTP request handler of another service running in this process, if it does: the api hands it requests
   * without a socket (ADR 0006). Undefined when the service runs elsewhere.
   */
  handlerOf(service: ServiceName): InProcessHandler | undefined;
  /** A line for the person starting the process, shown in the start banner (never logged: it may hold a secret). */
  notice(text: string): void;
}

/** A service's HTTP handler (its Express application), called with a request and the response to write. */
export type InProcessHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Nest injection tokens for the runtime's parts (ports are interfaces: they need tokens). */
export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');
export const EVENT_BUS = Symbol('EVENT_BUS');
export const LOGGER = Symbol('LOGGER');
export const CLOCK = Symbol('CLOCK');
