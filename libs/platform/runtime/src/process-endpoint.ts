import { type Server, createServer } from 'node:http';
import type { HealthRegistry } from '@nidus/platform-health';
import type { MetricsRegistry } from '@nidus/platform-observability';
import { errorMessage } from '@nidus/ports';

/**
 * The process's operations port (METRICS_PORT, default 9464): Prometheus metrics of every service in the process
 * at /metrics, and the process's own /health/live and /health/ready — present in both shapes, whichever services run.
 */
export async function startProcessEndpoint(options: {
  host: string;
  port: number;
  metrics: MetricsRegistry;
  health: HealthRegistry;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const json = (status: number, body: unknown) => reply(status, 'application/json', JSON.stringify(body));
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    const answer = async () => {
      switch (route) {
        case 'GET /metrics':
          return reply(200, options.metrics.contentType, await options.metrics.metrics());
        case 'GET /health/live':
          return json(200, { status: 'up' });
        case 'GET /health/ready': {
          const report = await options.health.ready();
          return json(report.status === 'up' ? 200 : 503, report);
        }
        default:
          return json(404, { error: `no ${route} here; try /metrics, /health/live or /health/ready` });
      }
    };
    answer().catch((error: unknown) => json(500, { error: errorMessage(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
