import { Controller, Get, Param, Query } from '@nestjs/common';
import type { ResourceSpaceAccess } from '@nidus/contracts';
import { ResourceSpaceService } from './resource-space.service';

/**
 * What other services ask about resource spaces (internal, InternalCallGuard): the space a request names, or the
 * project's default one when it names none; 404 for a space that does not exist.
 */
@Controller('internal/resource-spaces')
export class ResourceSpaceLookupController {
  constructor(private readonly spaces: ResourceSpaceService) {}

  @Get(':project_id')
  async resolve(
    @Param('project_id') project: string,
    @Query('app_id') appId?: string,
  ): Promise<ResourceSpaceAccess> {
    const app = await this.spaces.resolve(project, appId || undefined);
    return { app_id: app.app_id, app_name: app.app_name };
  }
}
