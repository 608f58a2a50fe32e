import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health-registry';

@Module({})
export class HealthModule {
  /** Serves the given registry's health; the process host decides whose (one service's or the process's). */
  static forRegistry(registry: HealthRegistry): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: HealthRegistry, useValue: registry }],
    };
  }
}
