import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LOGGER } from '@nidus/platform-runtime';
import type { Logger } from '@nidus/ports';
import { IotdaExceptionFilter } from './iotda-exception.filter';
import { requestIdMiddleware } from './request-id';

/**
 * What every service that serves v5 routes imports: `X-Request-Id` on every response and IoTDA error bodies for
 * every failure (ADR 0006).
 */
@Module({
  providers: [
    {
      provide: APP_FILTER,
      useFactory: (logger: Logger) => new IotdaExceptionFilter(logger),
      inject: [LOGGER],
    },
  ],
})
export class IotdaHttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestIdMiddleware).forRoutes('*');
  }
}
