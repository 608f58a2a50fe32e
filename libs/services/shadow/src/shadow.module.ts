import { Controller, Get, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IotdaHttpModule, openApiPaths } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { shadowOperations } from './shadow.openapi';
import { SHADOW_PARTS, type ShadowParts, closeShadowParts, makeShadowParts } from './shadow.parts';
import { DeviceEventsConsumer } from './shadows/device-events.consumer';
import { ShadowController } from './shadows/shadow.controller';
import { ShadowService } from './shadows/shadow.service';
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

/**
 * Root module of the shadow service: device shadows (spec 02 §4), synchronous commands and property set/get
 * (spec 03 §5.3, spec 05 §3.4–§3.6).
 */
@Module({
  imports: [IotdaHttpModule],
  controllers: [ShadowController, SyncCallsController, OpenApiController],
  providers: [
    {
      provide: SHADOW_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeShadowParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    ShadowPartsCloser,
    ShadowService,
    SyncCallsService,
    DeviceEventsConsumer,
    DownlinkResponsesConsumer,
  ],
})
export class ShadowModule {}
