import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  type DeviceAccessLookup,
  type InitialShadow,
  type ProductAccess,
  deviceAccessLookupSchema,
} from '@nidus/contracts';
import { IotdaApiError, ZodValidationPipe } from '@nidus/platform-iotda-http';
import { DeviceAccessService } from './device-access.service';

/**
 * What the device gateways ask the registry (internal: the InternalCallGuard admits only callers holding the
 * deployment's internal token). Lookups are batched: a gateway admitting thousands of devices a second asks for
 * many at once.
 */
@Controller('internal/device-access')
export class DeviceAccessController {
  constructor(private readonly access: DeviceAccessService) {}

  @Post('lookup')
  @HttpCode(200)
  async lookup(@Body(new ZodValidationPipe(deviceAccessLookupSchema)) body: DeviceAccessLookup) {
    return { devices: await this.access.devices(body.device_ids) };
  }

  /** A new device and the initial desired values of its creation request, for the shadow service; 404 if unknown. */
  @Get('devices/:device_id/initial-shadow')
  async initialShadow(@Param('device_id') deviceId: string): Promise<InitialShadow> {
    const found = await this.access.initialShadow(deviceId);
    if (!found) throw new IotdaApiError('DEVICE_NOT_FOUND', `Device ${deviceId}.`);
    return found;
  }

  @Get('products/:project_id/:app_id/:product_id')
  product(
    @Param('project_id') project: string,
    @Param('app_id') appId: string,
    @Param('product_id') productId: string,
  ): Promise<ProductAccess> {
    return this.access.product(project, appId, productId);
  }
}
