import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
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
import { SecretBox, keyFromFile } from '@nidus/platform-secrets';
import { type Infrastructure, openInfrastructure } from './infrastructure';
import { startProcessEndpoint } from './process-endpoint';
import type { InProcessHandler, ServiceRuntime } from './service-runtime';

export type ServiceFactory = (runtime: ServiceRuntime) => Promise<INestApplication>;

/** How long a service's HTTP server keeps an idle keep-alive connection, in ms (Node's default is 5 s). */
export const serverKeepAliveMs = 65_000;

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
  readonly handler: InProcessHandler;
  /** Where people reach it. */
  readonly url?: string;
  /** Where the other services of this process reach it. */
  readonly internalUrl?: string;
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
  private readonly notices: string[] = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: PlatformConfig,
    readonly logger: Logger,
    private readonly metrics: MetricsRegistry,
    private readonly infra: Infrastructure,
    private readonly health: HealthRegistry,
    private readonly secrets: SecretBox,
    private readonly internalToken: string,
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
    const secrets = new SecretBox(config.secretKey ?? keyFromFile(join(config.dataDir, 'secret.key')).key);
    // One process needs no shared token: a fresh one per start protects its loopback listeners.
    const internalToken = config.internalToken ?? randomBytes(24).toString('hex');
    const host = new ProcessHost(config, logger, metrics, infra, health, secrets, internalToken);
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
   * shape's API port answers for everything). With `internal`, a service without a port of its own listens on a
   * free loopback port, where the api reaches it (ADR 0006).
   */
  async serve(
    name: ServiceName,
    create: ServiceFactory,
    options: { frontDoor?: boolean; internal?: boolean } = {},
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
      secrets: this.secrets,
      internalToken: this.internalToken,
      locate: (service) => this.locate(service),
      handlerOf: (service) => this.served.find((s) => s.name === service)?.handler,
      notice: (text) => this.notices.push(text),
    };
    const app = await create(runtime);
    const server = app.getHttpServer() as Server;
    // Idle keep-alive connections stay open longer than the api's agent keeps them (ADR 0006): the client, not the
    // server, closes an idle one, so a request never lands on a socket the server is closing.
    server.keepAliveTimeout = serverKeepAliveMs;
    server.headersTimeout = serverKeepAliveMs + 1_000;
    const port = this.config.httpPorts[name];
    let url: string | undefined;
    let internalUrl: string | undefined;
    if (port !== undefined) {
      await app.listen(port, this.config.bindHost);
      const address = server.address() as AddressInfo;
      url = `http://${displayHost(this.config.bindHost)}:${address.port}`;
      internalUrl = `http://${loopbackOf(this.config.bindHost)}:${address.port}`;
    } else if (options.internal) {
      await app.listen(0, '127.0.0.1');
      internalUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    const handler = app.getHttpAdapter().getInstance() as InProcessHandler;
    this.served.push({
      name,
      app,
      handler,
      ...(url ? { url } : {}),
      ...(internalUrl ? { internalUrl } : {}),
    });
    logger.info(
      { url: url ?? null, internalUrl: internalUrl ?? null },
      url ? `${name} listening` : `${name} started (no public HTTP port)`,
    );
  }

  /** In-process services first, then `<SERVICE>_URL`, then the service's name as a Kubernetes host. */
  private locate(service: ServiceName): string {
    const local = this.served.find((s) => s.name === service)?.internalUrl;
    return local ?? this.config.serviceUrls[service] ?? `http://${service}:8080`;
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
    const notices = this.notices.map((n) => `\n${n}`).join('\n');
    process.stderr.write(
      `\nNidus is up (${this.config.services.join(', ')})\n${lines.join('\n')}\n${notices}${notices ? '\n\n' : '\n'}`,
    );
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

/** The address a process uses to reach its own listener bound to `bindHost`. */
function loopbackOf(bindHost: string): string {
  if (bindHost === '0.0.0.0') return '127.0.0.1';
  if (bindHost === '::') return '[::1]';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

function displayHost(bindHost: string): string {
  return bindHost === '0.0.0.0' || bindHost === '::'
    ? 'localhost'
    : bindHost.includes(':')
      ? `[${bindHost}]`
      : bindHost;
}
