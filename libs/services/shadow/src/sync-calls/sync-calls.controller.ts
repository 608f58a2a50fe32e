import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@nidus/platform-iotda-http';
import { checkCommand, checkPropertiesGet, checkPropertiesSet } from './model-checks';
import {
  type CommandRequest,
  type PropertiesQuery,
  type PropertiesSet,
  commandRequestSchema,
  propertiesQuerySchema,
  propertiesSetSchema,
} from './sync-calls.dto';
import { SyncCallsService } from './sync-calls.service';

/** Synchronous commands and property set/get, spec 05 §3.5.1 and §3.6. */
@Controller('v5/iot/:project_id/devices/:device_id')
export class SyncCallsController {
  constructor(private readonly calls: SyncCallsService) {}

  @Post('commands')
  @HttpCode(200)
  async command(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(commandRequestSchema)) body: CommandRequest,
  ) {
    const { requestId, response } = await this.calls.call(project, deviceId, (model) => ({
      kind: 'command',
      body: {
        ...(body.service_id === undefined ? {} : { service_id: body.service_id }),
        ...(body.command_name === undefined ? {} : { command_name: body.command_name }),
        paras: checkCommand(model, body),
      },
    }));
    return { command_id: requestId, response };
  }

  @Put('properties')
  @HttpCode(200)
  async setProperties(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(propertiesSetSchema)) body: PropertiesSet,
  ) {
    const { requestId, response } = await this.calls.call(project, deviceId, (model) => ({
      kind: 'properties-set',
      body: { services: checkPropertiesSet(model, body) },
    }));
    return { request_id: requestId, response };
  }

  @Get('properties')
  async getProperties(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query(new ZodValidationPipe(propertiesQuerySchema)) query: PropertiesQuery,
  ) {
    const { requestId, response } = await this.calls.call(project, deviceId, (model) => {
      checkPropertiesGet(model, query.service_id);
      return { kind: 'properties-get', body: { service_id: query.service_id } };
    });
    return { request_id: requestId, response };
  }
}
