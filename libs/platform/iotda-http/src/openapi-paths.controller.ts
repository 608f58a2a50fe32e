import { Controller, Get, type Type } from '@nestjs/common';
import { type V5Operation, openApiPaths } from './openapi';

/** The controller by which a service hands the api its part of the OpenAPI document (ADR 0006). */
export function openApiPathsController(operations: readonly V5Operation[]): Type {
  @Controller('internal')
  class OpenApiPathsController {
    @Get('openapi-paths')
    paths() {
      return openApiPaths(operations);
    }
  }
  return OpenApiPathsController;
}
