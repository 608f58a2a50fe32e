import { Module } from '@nestjs/common';

/** Root module of the device-registry service; its vertical slices are imported here. */
@Module({})
export class DeviceRegistryModule {}
