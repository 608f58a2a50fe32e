import { Controller, Get, Param, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import { type ListDeviceLogsQuery, listDeviceLogsQuerySchema } from './device-log.dto';
import { DeviceLogService, toDeviceLogDto } from './device-log.service';

/** `GET /v5/iot/{project_id}/devices/{device_id}/logs`: a device's log reports, newest first (Nidus extension). */
@Controller('v5/iot/:project_id/devices/:device_id/logs')
export class DeviceLogController {
  constructor(private readonly logs: DeviceLogService) {}

  @Get()
  async list(
    @Param('project_id') project: string,
    @Param('device_id') deviceId: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listDeviceLogsQuerySchema)) query: ListDeviceLogsQuery,
  ) {
    const page = await this.logs.list(project, deviceId, query, markerPagingOf(raw));
    return {
      logs: page.items.map((i) => toDeviceLogDto(i.id, i.data)),
      page: { count: page.count, marker: page.marker },
    };
  }
}
