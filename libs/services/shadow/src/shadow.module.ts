import { Controller, Get, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IotdaHttpModule, openApiPaths } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { shadowOperations } from './shadow.openapi';
import { SHADOW_PARTS, type ShadowParts, closeShadowParts, makeShadowParts } from './shadow.parts';
import { DownlinkResponsesConsumer } from './sync-calls/downlink-responses.consumer';
import { SyncCallsController } from './sync-calls/sync-calls.controller';
import { SyncCallsService } from './sync-calls/sync-calls.service';

/** This service's part of the api's OpenAPI document (ADR 0006). */
@Controller('internal')
class OpenApiController {
  @Get('openapi-paths')
  paths() {
    return openApiPaths(shadowOperations);
  }
}

/** Closes what the slices share once the consumers have stopped. */
@Injectable()
class ShadowPartsCloser implements OnApplicationShutdown {
  constructor(@Inject(SHADOW_PARTS) private readonly parts: ShadowParts) {}

  async onApplicationShutdown(): Promise<void> {
    await closeShadowParts(this.parts);
  }
}

/** Root module of the shadow service: synchronous commands and property set/get (spec 03 §5.3, spec 05 §3.5–§3.6). */
@Module({
  imports: [IotdaHttpModule],
  controllers: [SyncCallsController, OpenApiController],
  providers: [
    {
      provide: SHADOW_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeShadowParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    ShadowPartsCloser,
    SyncCallsService,
    DownlinkResponsesConsumer,
  ],
})
export class ShadowModule {}
