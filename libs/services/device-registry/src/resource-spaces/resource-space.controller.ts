import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@nidus/platform-iotda-http';
import {
  type AddApplication,
  type UpdateApplication,
  addApplicationSchema,
  listApplicationsQuerySchema,
  updateApplicationSchema,
} from './resource-space.dto';
import { toApplicationDto } from './resource-space.mapper';
import { ResourceSpaceService } from './resource-space.service';

/** Resource spaces, spec 05 §3.1. */
@Controller('v5/iot/:project_id/apps')
export class ResourceSpaceController {
  constructor(private readonly spaces: ResourceSpaceService) {}

  @Post()
  async create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(addApplicationSchema)) body: AddApplication,
  ) {
    return toApplicationDto(await this.spaces.create(project, body.app_name));
  }

  @Get()
  async list(
    @Param('project_id') project: string,
    @Query(new ZodValidationPipe(listApplicationsQuerySchema)) query: { default_app?: boolean },
  ) {
    return { applications: (await this.spaces.list(project, query.default_app)).map(toApplicationDto) };
  }

  @Get(':app_id')
  async show(@Param('project_id') project: string, @Param('app_id') appId: string) {
    return toApplicationDto(await this.spaces.get(project, appId));
  }

  @Put(':app_id')
  async update(
    @Param('project_id') project: string,
    @Param('app_id') appId: string,
    @Body(new ZodValidationPipe(updateApplicationSchema)) body: UpdateApplication,
  ) {
    return toApplicationDto(await this.spaces.rename(project, appId, body.app_name));
  }

  @Delete(':app_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('app_id') appId: string): Promise<void> {
    await this.spaces.delete(project, appId);
  }
}
