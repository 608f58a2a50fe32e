import { type DynamicModule, Global, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthModule } from '@nidus/platform-health';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { NestLoggerAdapter } from './nest-logger';
import { CLOCK, EVENT_BUS, LOGGER, SERVICE_RUNTIME, type ServiceRuntime } from './service-runtime';

/** Makes the runtime's parts injectable in every module of one service's application. */
@Global()
@Module({})
class RuntimeModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    const providers = [
      { provide: SERVICE_RUNTIME, useValue: runtime },
      { provide: EVENT_BUS, useValue: runtime.bus },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: CLOCK, useValue: runtime.clock },
    ];
    return { module: RuntimeModule, providers, exports: providers.map((p) => p.provide) };
  }
}

@Module({})
class ServiceHostModule {}

/** The largest JSON request body a service accepts, in bytes. */
export const jsonBodyLimit = 1024 * 1024;

/**
 * Builds one service as its own Nest application: the service's root module plus the runtime, health endpoints and
 * HTTP metrics. The application is initialised, not listening: the process host decides whether it gets a port.
 * `bodyParser: false` leaves request bodies unread, for a service that needs the raw bytes (the api signs them).
 */
export async function createServiceApp(
  rootModule: Type,
  runtime: ServiceRuntime,
  options: { bodyParser?: boolean } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(
    {
      module: ServiceHostModule,
      imports: [
        RuntimeModule.register(runtime),
        HealthModule.forRegistry(runtime.healthEndpoint),
        rootModule,
      ],
    },
    {
      logger: new NestLoggerAdapter(runtime.logger.child({ component: 'nest' })),
      abortOnError: false,
      bodyParser: options.bodyParser ?? true,
    },
  );
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  app.use(httpMetricsMiddleware(runtime.metrics, runtime.service)); // before init: ahead of every route
  if (options.bodyParser ?? true) {
    // A product model may be 500 KB (spec 02 §2.1); body-parser's default limit is 100 KB.
    (app as unknown as { useBodyParser(type: string, options: object): void }).useBodyParser('json', {
      limit: jsonBodyLimit,
    });
  }
  await app.init();
  return app;
}
