export { IotdaApiError, unavailable } from './iotda-api.error';
export { IotdaExceptionFilter, sendIotdaError } from './iotda-exception.filter';
export { IotdaHttpModule } from './iotda-http.module';
export { InternalCallGuard, internalHeaders } from './internal-call.guard';
export { InternalClient, ServiceCallError } from './internal-client';
export { compactTime, descriptionText, identifier, nameText, queryBoolean } from './iotda-fields';
export {
  CountCache,
  type MarkerPaging,
  findMarkerPage,
  markerPagingOf,
  markerPagingQuerySchema,
} from './marker-paging';
export { type HttpRequest, type HttpResponse, requestIdMiddleware, requestIdOf } from './request-id';
export { ZodValidationPipe } from './zod-validation.pipe';
export { type V5Operation, openApiPaths } from './openapi';
export { openApiPathsController } from './openapi-paths.controller';
