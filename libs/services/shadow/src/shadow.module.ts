import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IotdaHttpModule, openApiPathsController } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AsyncCommandsController } from './async-commands/async-commands.controller';
import { AsyncCommandsService } from './async-commands/async-commands.service';
import { DeadlineSweeper } from './deadlines/deadline-sweeper';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { shadowOperations } from './shadow.openapi';
import { SHADOW_PARTS, type ShadowParts, closeShadowParts, makeShadowParts } from './shadow.parts';
import { DeviceEventsConsumer } from './shadows/device-events.consumer';
import { ShadowController } from './shadows/shadow.controller';
import { ShadowService } from './shadows/shadow.service';
import { DownlinkResponsesConsumer } from './sync-calls/downlink-responses.consumer';
import { SyncCallsController } from './sync-calls/sync-calls.controller';
import { SyncCallsService } from './sync-calls/sync-calls.service';

/** Closes what the slices share once the consumers have stopped. */
@Injectable()
class ShadowPartsCloser implements OnApplicationShutdown {
  constructor(@Inject(SHADOW_PARTS) private readonly parts: ShadowParts) {}

  async onApplicationShutdown(): Promise<void> {
    await closeShadowParts(this.parts);
  }
}

/**
 * Root module of the shadow service: device shadows (spec 02 §4), synchronous and asynchronous commands, property
 * set/get, messages to devices (spec 03 §5.2–§5.4, spec 05 §3.4–§3.7).
 */
@Module({
  imports: [IotdaHttpModule],
  controllers: [
    ShadowController,
    SyncCallsController,
    AsyncCommandsController,
    MessagesController,
    openApiPathsController(shadowOperations),
  ],
  providers: [
    {
      provide: SHADOW_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeShadowParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    ShadowPartsCloser,
    ShadowService,
    SyncCallsService,
    MessagesService,
    AsyncCommandsService,
    DeadlineSweeper,
    DeviceEventsConsumer,
    DownlinkResponsesConsumer,
  ],
})
export class ShadowModule {}
