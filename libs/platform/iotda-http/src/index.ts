export { IotdaApiError } from './iotda-api.error';
export { IotdaExceptionFilter } from './iotda-exception.filter';
export { IotdaHttpModule } from './iotda-http.module';
export { requestIdMiddleware, requestIdOf } from './request-id';
export { ZodValidationPipe } from './zod-validation.pipe';
