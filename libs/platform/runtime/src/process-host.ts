import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import {
  ConfigError,
  type Env,
  type LoadOptions,
  type PlatformConfig,
  type ServiceName,
  loadConfig,
} from '@nidus/platform-config';
import { HealthRegistry } from '@nidus/platform-health';
import { type MetricsRegistry, createLogger, createMetricsRegistry } from '@nidus/platform-observability';
import { type Logger, errorMessage, systemClock } from '@nidus/ports';
import { type Infrastructure, openInfrastructure } from './infrastructure';
import { startProcessEndpoint } from './process-endpoint';
import type { ServiceRuntime } from './service-runtime';

export type ServiceFactory = (runtime: ServiceRuntime) => Promise<INestApplication>;

/** Exit code of a process stopped by bad configuration (sysexits EX_CONFIG). */
export const exitConfigError = 78;

/** Validated configuration, or the process exits naming every bad key (STYLE rule 5). */
export function configOrExit(env: Env, options: LoadOptions): PlatformConfig {
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`nidus: ${error.message}\n`);
    process.exit(exitConfigError);
  }
}

interface Served {
  readonly name: ServiceName;
  readonly app: INestApplication;
  readonly url?: string;
}

/**
 * One Nidus process, in either shape: the logger, metrics registry, adapters and operations port shared by the
 * services it serves (one Nest application each), and the signal handling that drains them on SIGTERM.
 *   1. start: logger → metrics → adapters (bus, stores) → operations port → signal handlers
 *   2. serve: per service, its runtime → its Nest application → its port (if it has one)
 *   3. shutdown: not ready → close applications (last first) → close adapters → close operations port
 */
export class ProcessHost {
  private readonly served: Served[] = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: PlatformConfig,
    readonly logger: Logger,
    private readonly metrics: MetricsRegistry,
    private readonly infra: Infrastructure,
    private readonly health: HealthRegistry,
  ) {}

  private endpoint: Server | undefined;

  static async start(config: PlatformConfig): Promise<ProcessHost> {
    const logger = createLogger({ level: config.logLevel, instance: config.instanceId });
    const metrics = createMetricsRegistry({ instance: config.instanceId });
    const health = new HealthRegistry();
    let infra: Infrastructure;
    try {
      infra = await openInfrastructure(config, logger);
    } catch (error) {
      logger.error({ err: error }, 'adapters could not be opened');
      process.stderr.write(`nidus: cannot start: ${errorMessage(error)}\n`);
      process.exit(1);
    }
    health.add('bus', () => infra.bus.health());
    const host = new ProcessHost(config, logger, metrics, infra, health);
    host.handleSignals();
    if (config.metricsPort > 0) {
      host.endpoint = await startProcessEndpoint({
        host: config.bindHost,
        port: config.metricsPort,
        metrics,
        health,
      });
    }
    logger.info(
      {
        services: config.services,
        bus: config.bus.kind,
        store: config.store.kind,
        sessions: config.sessions.kind,
      },
      'nidus starting',
    );
    return host;
  }

  /**
   * Builds and starts one service. With `frontDoor`, its /health endpoints report the whole process (the embedded
   * shape's API port answers for everything).
   */
  async serve(
    name: ServiceName,
    create: ServiceFactory,
    options: { frontDoor?: boolean } = {},
  ): Promise<void> {
    const health = new HealthRegistry();
    health.add('bus', () => this.infra.bus.health());
    this.health.include(name, health);
    const logger = this.logger.child({ service: name });
    const runtime: ServiceRuntime = {
      service: name,
      config: this.config,
      logger,
      metrics: this.metrics,
      health,
      healthEndpoint: options.frontDoor ? this.health : health,
      bus: this.infra.bus,
      clock: systemClock,
      documents: async () => {
        const store = await this.infra.documents(name);
        health.add('documents', () => store.health());
        return store;
      },
      sessions: async () => {
        const store = await this.infra.sessions(name);
        health.add('sessions', () => store.health());
        return store;
      },
    };
    const app = await create(runtime);
    const port = this.config.httpPorts[name];
    let url: string | undefined;
    if (port !== undefined) {
      await app.listen(port, this.config.bindHost);
      const address = (app.getHttpServer() as Server).address() as AddressInfo;
      url = `http://${displayHost(this.config.bindHost)}:${address.port}`;
    }
    this.served.push({ name, app, ...(url ? { url } : {}) });
    logger.info({ url: url ?? null }, url ? `${name} listening` : `${name} started (no HTTP port)`);
  }

  /** Every endpoint the process listens on, for the start banner. */
  endpoints(): { name: string; url: string }[] {
    const list = this.served.flatMap((s) => (s.url ? [{ name: `${s.name} HTTP`, url: s.url }] : []));
    const address = this.endpoint?.address() as AddressInfo | undefined;
    if (address) {
      const base = `http://${displayHost(this.config.bindHost)}:${address.port}`;
      list.push(
        { name: 'metrics', url: `${base}/metrics` },
        { name: 'process health', url: `${base}/health/ready` },
      );
    }
    return list;
  }

  /** Tells a person where the process listens (stderr: stdout carries the JSON log). */
  announce(): void {
    const rows = this.endpoints();
    const width = Math.max(...rows.map((r) => r.name.length));
    const lines = rows.map((r) => `  ${r.name.padEnd(width)}  ${r.url}`);
    process.stderr.write(`\nNidus is up (${this.config.services.join(', ')})\n${lines.join('\n')}\n\n`);
  }

  /** Drains and stops everything; idempotent. */
  shutdown(reason: string): Promise<void> {
    this.stopping ??= this.drain(reason);
    return this.stopping;
  }

  private async drain(reason: string): Promise<void> {
    this.logger.info({ reason }, 'nidus shutting down');
    this.health.markDraining();
    for (const { name, app } of [...this.served].reverse()) {
      await app
        .close()
        .catch((error: unknown) =>
          this.logger.error({ err: error, service: name }, 'service did not close cleanly'),
        );
    }
    await this.infra.close();
    await new Promise<void>((resolve) => (this.endpoint ? this.endpoint.close(() => resolve()) : resolve()));
    this.logger.info({}, 'nidus stopped');
  }

  private handleSignals(): void {
    const stop = (signal: string, code: number) => {
      if (this.stopping) {
        if (signal !== 'SIGINT') return; // a repeated SIGTERM changes nothing; a second Ctrl-C means "now"
        this.logger.warn({ signal }, 'second interrupt: exiting without draining');
        process.exit(130);
      }
      const timer = setTimeout(() => {
        this.logger.error({ timeoutMs: this.config.shutdownTimeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, this.config.shutdownTimeoutMs);
      timer.unref();
      this.shutdown(signal).then(
        () => process.exit(code),
        (error: unknown) => {
          this.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM', 0));
    process.on('SIGINT', () => stop('SIGINT', 0));
    // A failure nothing caught — a port already taken at start, a bug — stops the process, drained, with exit 1.
    const fatal = (kind: string) => (error: unknown) => {
      this.logger.error({ err: error }, kind);
      process.stderr.write(`nidus: stopping after an error: ${errorMessage(error)}\n`);
      stop(kind, 1);
    };
    process.on('uncaughtException', fatal('uncaught exception'));
    process.on('unhandledRejection', fatal('unhandled rejection'));
  }
}

function displayHost(bindHost: string): string {
  return bindHost === '0.0.0.0' || bindHost === '::'
    ? 'localhost'
    : bindHost.includes(':')
      ? `[${bindHost}]`
      : bindHost;
}
