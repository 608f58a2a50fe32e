import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ZodValidationPipe } from '@nidus/platform-iotda-http';
import { type CreateMessage, createMessageSchema } from './message.dto';
import { MessagesService } from './messages.service';

/** Messages to devices, spec 05 §3.7.1–§3.7.4. */
@Controller('v5/iot/:project_id/devices/:device_id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  create(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(createMessageSchema)) body: CreateMessage,
  ) {
    return this.messages.create(project, deviceId, body);
  }

  @Get()
  list(@Param('project_id') project: string, @Param('device_id') deviceId: string) {
    return this.messages.list(project, deviceId);
  }

  @Get(':message_id')
  show(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Param('message_id') messageId: string,
  ) {
    return this.messages.show(project, deviceId, messageId);
  }

  @Delete(':message_id')
  @HttpCode(204)
  async delete(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Param('message_id') messageId: string,
  ): Promise<void> {
    await this.messages.delete(project, deviceId, messageId);
  }
}
