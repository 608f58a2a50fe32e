import { Body, Controller, Inject, Param, Post } from '@nestjs/common';
import { IotdaApiError, ZodValidationPipe } from '@nidus/platform-iotda-http';
import { AMQP_PARTS, type AmqpParts } from '../amqp-push.parts';
import { type AccessCodeView, type CreateAccessCode, createAccessCodeSchema } from './access-code.dto';

/** The access credential of AMQP consumers, spec 05 §3.11.5 and spec 03 §6.7.2. */
@Controller('v5/iot/:project_id/auth/accesscode')
export class AccessCodesController {
  constructor(@Inject(AMQP_PARTS) private readonly parts: AmqpParts) {}

  @Post()
  async create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(createAccessCodeSchema)) body: CreateAccessCode,
  ): Promise<AccessCodeView> {
    if (body.type !== 'AMQP')
      throw new IotdaApiError(
        'INVALID_PARAMETER',
        'type MQTT: applications receive pushes over AMQP or HTTP; MQTT application access is not supported.',
      );
    const made = await this.parts.codes.generate(project, this.parts.clock);
    if (body.force_disconnect) this.parts.hub.disconnectProject(project);
    return made;
  }
}
