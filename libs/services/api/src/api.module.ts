import { Module } from '@nestjs/common';

/** Root module of the api service; its vertical slices are imported here. */
@Module({})
export class ApiModule {}
