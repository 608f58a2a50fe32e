import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { httpRequestMetrics } from '@nidus/platform-observability';
import type { MetricsRegistry } from '@nidus/platform-observability';

interface HttpPair {
  req: { method: string; route?: { path?: string } };
  res: { statusCode: number; once(event: 'finish', listener: () => void): void };
}

/** Counts and times every routed HTTP request of a service, labelled by route pattern (never by raw URL). */
export class HttpMetricsInterceptor implements NestInterceptor {
  private readonly metrics;

  constructor(
    registry: MetricsRegistry,
    private readonly service: string,
  ) {
    this.metrics = httpRequestMetrics(registry);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const { req, res } = {
      req: http.getRequest<HttpPair['req']>(),
      res: http.getResponse<HttpPair['res']>(),
    };
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path ?? 'unrouted';
      const labels = { service: this.service, method: req.method, route };
      this.metrics.requests.inc({ ...labels, status: String(res.statusCode) });
      this.metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    return next.handle();
  }
}
