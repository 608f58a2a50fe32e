import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import {
  type CommandFilters,
  type CreateAsyncCommand,
  commandFiltersSchema,
  createAsyncCommandSchema,
} from './async-command.dto';
import { AsyncCommandsService } from './async-commands.service';

/** Asynchronous commands, spec 05 §3.5.2–§3.5.6. */
@Controller('v5/iot/:project_id/devices/:device_id')
export class AsyncCommandsController {
  constructor(private readonly commands: AsyncCommandsService) {}

  @Post('async-commands')
  @HttpCode(200)
  create(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(createAsyncCommandSchema)) body: CreateAsyncCommand,
  ) {
    return this.commands.create(project, deviceId, body);
  }

  @Get('async-commands/:command_id')
  show(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Param('command_id') commandId: string,
  ) {
    return this.commands.show(project, deviceId, commandId);
  }

  @Get('async-commands')
  queue(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(commandFiltersSchema)) filters: CommandFilters,
  ) {
    return this.commands.list(project, deviceId, filters, markerPagingOf(raw), false);
  }

  @Get('async-commands-history')
  history(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(commandFiltersSchema)) filters: CommandFilters,
  ) {
    return this.commands.list(project, deviceId, filters, markerPagingOf(raw), true);
  }

  @Post('async-commands-history/count')
  @HttpCode(200)
  count(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query(new ZodValidationPipe(commandFiltersSchema)) filters: CommandFilters,
  ) {
    return this.commands.count(project, deviceId, filters);
  }
}
