import { Module } from '@nestjs/common';
import { IotdaHttpModule, openApiPathsController } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { DeviceAccessController } from './device-access/device-access.controller';
import { DeviceAccessService } from './device-access/device-access.service';
import { DeviceLogController } from './device-logs/device-log.controller';
import { DeviceLogService } from './device-logs/device-log.service';
import { GatewayInstancesService } from './gateway-instances/gateway-instances.service';
import { DeviceController } from './devices/device.controller';
import { DeviceReportsConsumer } from './devices/device-reports.consumer';
import { DeviceService } from './devices/device.service';
import { deviceRegistryOperations } from './device-registry.openapi';
import { ProductController } from './products/product.controller';
import { ProductService } from './products/product.service';
import { REGISTRY_STORE, openRegistryStore } from './registry.store';
import { ResourceSpaceController } from './resource-spaces/resource-space.controller';
import { ResourceSpaceLookupController } from './resource-spaces/resource-space-lookup.controller';
import { ResourceSpaceService } from './resource-spaces/resource-space.service';

/** Root module of the device-registry service: resource spaces, products, devices and their logs (spec 05 §3.1–§3.3). */
@Module({
  imports: [IotdaHttpModule],
  controllers: [
    ResourceSpaceController,
    ResourceSpaceLookupController,
    ProductController,
    DeviceController,
    DeviceLogController,
    DeviceAccessController,
    openApiPathsController(deviceRegistryOperations),
  ],
  providers: [
    {
      provide: REGISTRY_STORE,
      useFactory: async (runtime: ServiceRuntime) => openRegistryStore(await runtime.documents()),
      inject: [SERVICE_RUNTIME],
    },
    ResourceSpaceService,
    ProductService,
    DeviceService,
    DeviceAccessService,
    DeviceLogService,
    GatewayInstancesService,
    DeviceReportsConsumer,
  ],
})
export class DeviceRegistryModule {}
