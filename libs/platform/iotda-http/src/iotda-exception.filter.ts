import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { IotdaErrorBody } from '@nidus/contracts';
import type { Logger } from '@nidus/ports';
import { IotdaApiError } from './iotda-api.error';
import { type HttpRequest, type HttpResponse, requestIdOf } from './request-id';

/**
 * Renders every failure of a v5 route as IoTDA's error body (spec 05 §1.6): status ≥ 400, `{error_code, error_msg}`,
 * `X-Request-Id`. Nest's own rejections are mapped too — an unknown route, malformed JSON, an oversize body — and
 * anything unexpected becomes 500 IOTDA.900500 without internals in the body (they go to the log).
 */
@Catch()
export class IotdaExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    const res = http.getResponse<HttpResponse>();
    sendIotdaError(res, requestIdOf(req, res), this.toApiError(exception, req));
  }

  private toApiError(exception: unknown, req: HttpRequest): IotdaApiError {
    if (exception instanceof IotdaApiError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404)
        return new IotdaApiError('ROUTE_NOT_FOUND', `${req.method} ${req.url.split('?')[0]}`);
      if (status === 413) return new IotdaApiError('INVALID_PARAMETER', 'The request body is too large.');
      if (status === 415) return new IotdaApiError('MALFORMED_REQUEST', 'Unsupported media type.');
      if (status === 400) return new IotdaApiError('MALFORMED_REQUEST', exception.message);
    }
    // body-parser's errors (bad JSON, too large) are plain errors carrying a status.
    const parser = exception as { status?: unknown; type?: unknown } | null;
    if (parser?.type === 'entity.parse.failed')
      return new IotdaApiError('MALFORMED_REQUEST', 'The body is not valid JSON.');
    if (parser?.type === 'entity.too.large')
      return new IotdaApiError('INVALID_PARAMETER', 'The request body is too large.');
    this.logger.error(
      { err: exception, method: req.method, url: req.url },
      'unexpected error in an API request',
    );
    return new IotdaApiError('INTERNAL');
  }
}

/** Writes IoTDA's error body (spec 05 §1.6.1): the status, `X-Request-Id`, `{error_code, error_msg}` as JSON. */
export function sendIotdaError(res: HttpResponse, requestId: string, error: IotdaApiError): void {
  const body: IotdaErrorBody = error.body();
  res
    .status(error.status)
    .setHeader('x-request-id', requestId)
    .setHeader('content-type', 'application/json;charset=UTF-8')
    .end(JSON.stringify(body));
}
