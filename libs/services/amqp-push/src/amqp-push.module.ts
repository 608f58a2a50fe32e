import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IotdaHttpModule, openApiPathsController } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AccessCodesController } from './access-codes/access-codes.controller';
import { amqpPushOperations } from './amqp-push.openapi';
import { AMQP_PARTS, type AmqpParts, makeAmqpParts } from './amqp-push.parts';
import { ForwardedConsumer } from './delivery/forwarded.consumer';
import { QueueLookupController, QueuesController } from './queues/queues.controller';
import { QueuesService } from './queues/queues.service';

/** Lets go of what the slices share. */
@Injectable()
class AmqpPartsCloser implements OnApplicationShutdown {
  constructor(@Inject(AMQP_PARTS) private readonly parts: AmqpParts) {}

  onApplicationShutdown(): void {
    this.parts.client.close();
  }
}

/** Root module of amqp-push: AMQP queues, access codes and the AMQP 1.0 endpoint (spec 03 §6.6–§6.7; ADR 0011). */
@Module({
  imports: [IotdaHttpModule],
  controllers: [
    QueuesController,
    QueueLookupController,
    AccessCodesController,
    openApiPathsController(amqpPushOperations),
  ],
  providers: [
    {
      provide: AMQP_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeAmqpParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    AmqpPartsCloser,
    QueuesService,
    ForwardedConsumer,
  ],
})
export class AmqpPushModule {}
