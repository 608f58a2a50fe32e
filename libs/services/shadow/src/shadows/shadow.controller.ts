import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ZodValidationPipe } from '@nidus/platform-iotda-http';
import { type UpdateDesireds, updateDesiredsSchema } from './shadow.dto';
import { ShadowService } from './shadow.service';

/** Device shadows, spec 05 §3.4. */
@Controller('v5/iot/:project_id/devices/:device_id/shadow')
export class ShadowController {
  constructor(private readonly shadows: ShadowService) {}

  @Get()
  show(@Param('project_id') project: string, @Param('device_id') deviceId: string) {
    return this.shadows.show(project, deviceId);
  }

  @Put()
  update(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(updateDesiredsSchema)) body: UpdateDesireds,
  ) {
    return this.shadows.updateDesired(project, deviceId, body.shadow);
  }

  @Delete()
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('device_id') deviceId: string): Promise<void> {
    await this.shadows.delete(project, deviceId);
  }
}
