import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { AmqpQueueUse } from '@nidus/contracts';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import {
  type AddAction,
  type ListActionsQuery,
  type UpdateAction,
  addActionSchema,
  listActionsQuerySchema,
  updateActionSchema,
} from './rule-action.dto';
import { RuleActionsService } from './rule-actions.service';

/** Rule actions, spec 05 §3.10.6–§3.10.10. */
@Controller('v5/iot/:project_id/routing-rule/actions')
export class RuleActionsController {
  constructor(private readonly actions: RuleActionsService) {}

  @Post()
  create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(addActionSchema)) body: AddAction,
  ) {
    return this.actions.create(project, body);
  }

  @Get()
  list(
    @Param('project_id') project: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listActionsQuerySchema)) query: ListActionsQuery,
  ) {
    return this.actions.list(project, query, markerPagingOf(raw));
  }

  @Get(':action_id/dead-letters')
  deadLetters(
    @Param('project_id') project: string,
    @Param('action_id') actionId: string,
    @Query() raw: Record<string, unknown>,
  ) {
    return this.actions.deadLetters(project, actionId, markerPagingOf(raw));
  }

  @Delete(':action_id/dead-letters')
  @HttpCode(204)
  async clearDeadLetters(
    @Param('project_id') project: string,
    @Param('action_id') actionId: string,
  ): Promise<void> {
    await this.actions.clearDeadLetters(project, actionId);
  }

  @Get(':action_id')
  show(@Param('project_id') project: string, @Param('action_id') actionId: string) {
    return this.actions.show(project, actionId);
  }

  @Put(':action_id')
  update(
    @Param('project_id') project: string,
    @Param('action_id') actionId: string,
    @Body(new ZodValidationPipe(updateActionSchema)) body: UpdateAction,
  ) {
    return this.actions.update(project, actionId, body);
  }

  @Delete(':action_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('action_id') actionId: string): Promise<void> {
    await this.actions.delete(project, actionId);
  }
}

/** What amqp-push asks before it deletes a queue (internal, InternalCallGuard). */
@Controller('internal/amqp-queue-use')
export class QueueUseController {
  constructor(private readonly actions: RuleActionsService) {}

  @Get(':project_id/:queue_name')
  async inUse(
    @Param('project_id') project: string,
    @Param('queue_name') queue: string,
  ): Promise<AmqpQueueUse> {
    return { in_use: await this.actions.queueInUse(project, queue) };
  }
}
