import { type DynamicModule, Global, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthModule } from '@nidus/platform-health';
import { HttpMetricsInterceptor } from './http-metrics.interceptor';
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

/**
 * Builds one service as its own Nest application: the service's root module plus the runtime, health endpoints and
 * HTTP metrics. The application is initialised, not listening: the process host decides whether it gets a port.
 */
export async function createServiceApp(rootModule: Type, runtime: ServiceRuntime): Promise<INestApplication> {
  const app = await NestFactory.create(
    {
      module: ServiceHostModule,
      imports: [
        RuntimeModule.register(runtime),
        HealthModule.forRegistry(runtime.healthEndpoint),
        rootModule,
      ],
    },
    { logger: new NestLoggerAdapter(runtime.logger.child({ component: 'nest' })), abortOnError: false },
  );
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  app.useGlobalInterceptors(new HttpMetricsInterceptor(runtime.metrics, runtime.service));
  await app.init();
  return app;
}
