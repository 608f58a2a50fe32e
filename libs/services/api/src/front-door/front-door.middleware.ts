import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { IotdaApiError, sendIotdaError } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime, jsonBodyLimit } from '@nidus/platform-runtime';
import type { Principal } from '../credentials/credential.schema';
import { CredentialService } from '../credentials/credential.service';
import { Authenticator } from './authenticator';
import { Forwarder, parseJsonBody } from './forwarder';
import { V5Router } from './v5-routes';

const V5_PATH = /^\/v5\/iot\/([^/]+)(\/.*)?$/;
const PROJECT_PLACEHOLDERS = new Set(['{project_id}', '%7Bproject_id%7D', '%7bproject_id%7d']); // spec 05 §1.1 rule 3

/**
 * The api's front door for `/v5/iot/{project_id}/…` and `/nidus/v1/projects` (ADR 0006):
 *   request id → raw body → authenticate → project check → route → forward (or answer 501/404)
 */
@Injectable()
export class FrontDoorMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  private readonly router = new V5Router();

  constructor(
    private readonly authenticator: Authenticator,
    private readonly forwarder: Forwarder,
    private readonly credentials: CredentialService,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  async use(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const [path = '/', query = ''] = splitOnce(url, '?');
    const v5 = V5_PATH.exec(path);
    if (!v5 && path !== '/nidus/v1/projects') return next();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    try {
      const body = await readBody(req);
      const principal = await this.authenticator.authenticate({
        method: req.method ?? 'GET',
        path,
        query,
        headers: req.headers,
        body,
      });
      if (!v5) return await this.projects(req, res, principal, body);
      const project = this.projectOf(v5[1]!, principal, req);
      const sub = v5[2] ?? '/';
      const route = this.router.match(req.method ?? 'GET', sub);
      if (!route) throw new IotdaApiError('ROUTE_NOT_FOUND', `${req.method} ${path}`);
      if (!route.owner)
        throw new IotdaApiError('NOT_IMPLEMENTED', `${route.operation} is not implemented yet.`);
      const pathAndQuery = `/v5/iot/${project}${sub}${query ? `?${query}` : ''}`;
      await this.forwarder.forward(
        route.owner,
        { method: req.method ?? 'GET', pathAndQuery, project, requestId, body },
        req,
        res,
      );
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError = error instanceof IotdaApiError ? error : new IotdaApiError('INTERNAL');
      if (!(error instanceof IotdaApiError))
        this.runtime.logger.error({ err: error, url }, 'unexpected error in the front door');
      sendIotdaError(res as never, requestId, apiError);
    }
  }

  /**
   * The path's project must be the credential's (spec 05 §1.1 rule 2), and so must `X-Project-Id` when sent. The
   * literal `{project_id}` an SDK sends when none is configured stands for the caller's project (rule 3).
   */
  private projectOf(raw: string, principal: Principal, req: IncomingMessage): string {
    const project = PROJECT_PLACEHOLDERS.has(raw) ? principal.projectId : raw;
    const header = req.headers['x-project-id'];
    if (project !== principal.projectId || (typeof header === 'string' && header !== principal.projectId))
      throw new IotdaApiError('FORBIDDEN', `project ${project}`);
    return project;
  }

  /** `POST /nidus/v1/projects` creates a project with its own credentials; admin credentials only. */
  private async projects(req: IncomingMessage, res: ServerResponse, principal: Principal, body: Buffer) {
    if (!principal.admin) throw new IotdaApiError('FORBIDDEN', 'Only admin credentials manage projects.');
    let answer: unknown;
    if (req.method === 'GET') {
      answer = { projects: await this.credentials.listProjects() };
    } else if (req.method === 'POST') {
      const parsed = parseJsonBody(body, 'application/json') as { name?: unknown } | undefined;
      const name = typeof parsed?.name === 'string' && parsed.name.length <= 64 ? parsed.name : 'project';
      answer = await this.credentials.createProject(name);
      res.statusCode = 201;
    } else {
      throw new IotdaApiError('ROUTE_NOT_FOUND', `${req.method} /nidus/v1/projects`);
    }
    res.setHeader('content-type', 'application/json;charset=UTF-8');
    res.end(JSON.stringify(answer));
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

/** The exact request bytes: the signature covers them (spec 05 §2.3). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > jsonBodyLimit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new IotdaApiError('INVALID_PARAMETER', `The request body exceeds ${jsonBodyLimit} bytes.`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
