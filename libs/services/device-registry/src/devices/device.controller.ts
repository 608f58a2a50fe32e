import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import {
  type AddDevice,
  type ListDevicesQuery,
  type ResetSecret,
  type UpdateDevice,
  addDeviceSchema,
  listDevicesQuerySchema,
  resetSecretQuerySchema,
  resetSecretSchema,
  updateDeviceSchema,
} from './device.dto';
import { toDeviceDto, toDeviceSummary } from './device.mapper';
import { DeviceService } from './device.service';

/** Devices, spec 05 §3.3. */
@Controller('v5/iot/:project_id/devices')
export class DeviceController {
  constructor(private readonly devices: DeviceService) {}

  @Post()
  async create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(addDeviceSchema)) body: AddDevice,
  ) {
    const { device, context, plainSecret } = await this.devices.create(project, body);
    return toDeviceDto(device, context, plainSecret);
  }

  @Get()
  async list(
    @Param('project_id') project: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listDevicesQuerySchema)) query: ListDevicesQuery,
  ) {
    const page = await this.devices.list(project, query, markerPagingOf(raw));
    return {
      devices: page.items.map((i) => toDeviceSummary(i.data, page.context)),
      page: { count: page.count, marker: page.marker },
    };
  }

  @Get(':device_id')
  async show(@Param('project_id') project: string, @Param('device_id') deviceId: string) {
    const { device, context } = await this.devices.show(project, deviceId);
    return toDeviceDto(device, context);
  }

  @Put(':device_id')
  async update(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Body(new ZodValidationPipe(updateDeviceSchema)) body: UpdateDevice,
  ) {
    const { device, context } = await this.devices.update(project, deviceId, body);
    return toDeviceDto(device, context);
  }

  @Delete(':device_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('device_id') deviceId: string): Promise<void> {
    await this.devices.delete(project, deviceId);
  }

  @Post(':device_id/action')
  @HttpCode(200)
  async action(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query(new ZodValidationPipe(resetSecretQuerySchema)) _query: { action_id: 'resetSecret' },
    @Body(new ZodValidationPipe(resetSecretSchema)) body: ResetSecret,
  ) {
    return this.devices.resetSecret(project, deviceId, body);
  }

  @Post(':device_id/freeze')
  @HttpCode(204)
  async freeze(@Param('project_id') project: string, @Param('device_id') deviceId: string): Promise<void> {
    await this.devices.freeze(project, deviceId, true);
  }

  @Post(':device_id/unfreeze')
  @HttpCode(204)
  async unfreeze(@Param('project_id') project: string, @Param('device_id') deviceId: string): Promise<void> {
    await this.devices.freeze(project, deviceId, false);
  }
}
