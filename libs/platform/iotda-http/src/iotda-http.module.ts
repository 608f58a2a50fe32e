import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LOGGER } from '@nidus/platform-runtime';
import type { Logger } from '@nidus/ports';
import { IotdaExceptionFilter } from './iotda-exception.filter';
import { InternalCallGuard } from './internal-call.guard';
import { requestIdMiddleware } from './request-id';

/**
 * What every service that serves v5 routes imports: `X-Request-Id` on every response, IoTDA error bodies for
 * every failure, and v5 routes answered only to the api (ADR 0006).
 */
@Module({
  providers: [
    {
      provide: APP_FILTER,
      useFactory: (logger: Logger) => new IotdaExceptionFilter(logger),
      inject: [LOGGER],
    },
    { provide: APP_GUARD, useClass: InternalCallGuard },
  ],
})
export class IotdaHttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestIdMiddleware).forRoutes('*');
  }
}
