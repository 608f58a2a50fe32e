import { Agent, request } from 'node:http';
import type { z } from 'zod';
import type { ServiceName } from '@nidus/platform-config';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import { internalHeaders } from './internal-call.guard';

/** The other service could not be reached, timed out or answered with a server error. */
export class ServiceCallError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the service answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ServiceCallError';
  }
}

/**
 * One service asking another for what it owns (ARCHITECTURE §3), over its HTTP listener — loopback in one process,
 * the cluster network otherwise — with the deployment's internal token. Answers are validated against the contract
 * (STYLE rule 5); a 404 answers undefined.
 */
export class InternalClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 });

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly timeoutMs = 5_000,
  ) {}

  get<T>(service: ServiceName, path: string, schema: z.ZodType<T>): Promise<T | undefined> {
    return this.call(service, 'GET', path, undefined, schema);
  }

  post<T>(service: ServiceName, path: string, body: unknown, schema: z.ZodType<T>): Promise<T | undefined> {
    return this.call(service, 'POST', path, Buffer.from(JSON.stringify(body)), schema);
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(
    service: ServiceName,
    method: string,
    path: string,
    body: Buffer | undefined,
    schema: z.ZodType<T>,
  ): Promise<T | undefined> {
    const target = new URL(path, this.runtime.locate(service));
    const headers: Record<string, string> = { [internalHeaders.token]: this.runtime.internalToken };
    if (body)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(body.length) });
    return new Promise<T | undefined>((resolve, reject) => {
      const req = request(target, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status === 404) return resolve(undefined);
          if (status < 200 || status >= 300)
            return reject(
              new ServiceCallError(
                `${service} answered ${status} to ${method} ${path}: ${text.slice(0, 200)}`,
                status,
              ),
            );
          try {
            resolve(schema.parse(JSON.parse(text)));
          } catch (error) {
            reject(
              new ServiceCallError(
                `${service} answered ${method} ${path} outside its contract: ${String(error)}`,
              ),
            );
          }
        });
      });
      req.on('timeout', () =>
        req.destroy(new ServiceCallError(`${service} did not answer ${method} ${path} in time`)),
      );
      req.on('error', (error) =>
        reject(
          error instanceof ServiceCallError ? error : new ServiceCallError(`${service}: ${error.message}`),
        ),
      );
      req.end(body);
    });
  }
}
