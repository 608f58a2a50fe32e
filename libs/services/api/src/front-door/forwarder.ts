import { Agent, type IncomingMessage, type ServerResponse, request } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ServiceName } from '@nidus/platform-config';
import { IotdaApiError, internalHeaders } from '@nidus/platform-iotda-http';
import { type InProcessHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';

export interface ForwardedCall {
  readonly method: string;
  readonly pathAndQuery: string;
  readonly project: string;
  readonly requestId: string;
  readonly body: Buffer;
}

const forwardedHeaders = ['content-type', 'accept', 'accept-language', 'user-agent', 'instance-id'];
const upstreamTimeoutMs = 30_000; // above the 20 s a synchronous command may wait (spec 05 §5.5)

/**
 * Forwards an authenticated v5 request to the service that owns it (ADR 0006) over keep-alive loopback or cluster
 * HTTP, with the project and the internal token, and streams the answer back unchanged.
 */
@Injectable()
export class Forwarder implements OnModuleDestroy {
  // An idle socket is closed after 30 s, well before the service's server would (serverKeepAliveMs).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 30_000 });

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  forward(
    service: ServiceName,
    call: ForwardedCall,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const handler = this.runtime.handlerOf(service);
    return handler ? this.handOver(handler, call, req, res) : this.send(service, call, req, res);
  }

  /**
   * A service in this process gets the request without a socket: the same request, re-addressed and carrying the
   * internal headers, with its JSON body already parsed the way body-parser would (the api read the raw bytes to
   * check the signature, so the stream is spent), handed to the service's HTTP handler — its routes, guard, pipes
   * and error filter run as for a request from the network.
   */
  private handOver(
    handler: InProcessHandler,
    call: ForwardedCall,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const body = parseJsonBody(call.body, req.headers['content-type']);
    const express = req as IncomingMessage & { originalUrl?: string; body?: unknown };
    express.url = call.pathAndQuery;
    delete express.originalUrl;
    express.body = body;
    req.headers[internalHeaders.token] = this.runtime.internalToken;
    req.headers[internalHeaders.project] = call.project;
    req.headers['x-request-id'] = call.requestId;
    return new Promise<void>((resolve) => {
      res.once('finish', () => resolve());
      res.once('close', () => resolve());
      handler(req, res);
    });
  }

  private send(
    service: ServiceName,
    call: ForwardedCall,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const target = new URL(call.pathAndQuery, this.runtime.locate(service));
    const headers: Record<string, string> = {
      [internalHeaders.token]: this.runtime.internalToken,
      [internalHeaders.project]: call.project,
      'x-request-id': call.requestId,
      'content-length': String(call.body.length),
    };
    for (const name of forwardedHeaders) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return new Promise<void>((resolve, reject) => {
      const upstream = request(
        target,
        { method: call.method, headers, agent: this.agent, timeout: upstreamTimeoutMs },
        (answer) => {
          res.statusCode = answer.statusCode ?? 502;
          for (const name of ['content-type', 'content-length']) {
            const value = answer.headers[name];
            if (value !== undefined) res.setHeader(name, value);
          }
          res.setHeader('x-request-id', call.requestId);
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', reject);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error(`${service} did not answer in time`)));
      upstream.on('error', (error) => {
        this.runtime.logger.warn({ err: error, service }, 'forwarding failed');
        reject(new IotdaApiError('SERVICE_UNAVAILABLE', `${service} cannot be reached.`));
      });
      upstream.end(call.body);
    });
  }

  onModuleDestroy(): void {
    this.agent.destroy();
  }
}

/**
 * A JSON body as body-parser reads it (strict mode): only for a JSON media type, only an object or an array;
 * anything else unparsed. Malformed JSON is IOTDA.000008, as the services' error filter answers it.
 */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0 || !/^application\/json\s*(;|$)/i.test(contentType ?? '')) return undefined;
  const text = body.toString('utf8').trim();
  try {
    if (text.startsWith('{') || text.startsWith('[')) return JSON.parse(text) as unknown;
  } catch {
    // answered below
  }
  throw new IotdaApiError('MALFORMED_REQUEST', 'The body is not valid JSON.');
}
