import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { AmqpQueueAccess } from '@nidus/contracts';
import { IotdaApiError, ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import { type AddQueue, type ListQueuesQuery, addQueueSchema, listQueuesQuerySchema } from './queue.dto';
import { QueuesService } from './queues.service';

/** AMQP queues, spec 05 §3.11.1–§3.11.4. */
@Controller('v5/iot/:project_id/amqp-queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Post()
  create(@Param('project_id') project: string, @Body(new ZodValidationPipe(addQueueSchema)) body: AddQueue) {
    return this.queues.create(project, body.queue_name);
  }

  @Get()
  list(
    @Param('project_id') project: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listQueuesQuerySchema)) query: ListQueuesQuery,
  ) {
    return this.queues.list(project, query, markerPagingOf(raw));
  }

  @Get(':queue_id')
  show(@Param('project_id') project: string, @Param('queue_id') queueId: string) {
    return this.queues.show(project, queueId);
  }

  @Delete(':queue_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('queue_id') queueId: string): Promise<void> {
    await this.queues.delete(project, queueId);
  }
}

/** What the rule engine asks before it forwards to a queue (internal, InternalCallGuard): 404 for no such queue. */
@Controller('internal/amqp-queues')
export class QueueLookupController {
  constructor(private readonly queues: QueuesService) {}

  @Get(':project_id/:queue_name')
  async lookup(
    @Param('project_id') project: string,
    @Param('queue_name') name: string,
  ): Promise<AmqpQueueAccess> {
    const queue = await this.queues.byName(project, name);
    if (!queue) throw new IotdaApiError('AMQP_QUEUE_NOT_FOUND', `queue_name ${name}.`);
    return queue;
  }
}
