import { Controller, Get, Inject } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import type { ServiceName } from '@nidus/platform-config';
import { internalHeaders } from '@nidus/platform-iotda-http';
import { v5Owners } from '../front-door/v5-routes';

/**
 * The OpenAPI 3.1 document of the implemented v5 operations (issue 3): each owning service describes its own
 * operations from the schemas that validate them; the api merges them with its conventions (ADR 0006). A service that
 * does not answer leaves its operations out, and `info.x-nidus-unavailable` names it.
 */
@Controller()
export class OpenApiController {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get('openapi.json')
  async document() {
    const services = [...new Set(Object.values(v5Owners))];
    const unavailable: ServiceName[] = [];
    const fragments = await Promise.all(
      services.map((s) =>
        this.pathsOf(s).catch((error: unknown) => {
          this.runtime.logger.warn({ err: error, service: s }, 'OpenAPI paths of a service unavailable');
          unavailable.push(s);
          return {};
        }),
      ),
    );
    return {
      openapi: '3.1.0',
      info: {
        ...(unavailable.length > 0 ? { 'x-nidus-unavailable': unavailable.sort() } : {}),
        title: 'Nidus application API (IoTDA v5 compatible)',
        version: '5',
        description:
          'Requests are signed with AK/SK (SDK-HMAC-SHA256 or V11-HMAC-SHA256, spec 05 §2) or carry an X-Auth-Token. ' +
          'Errors are {error_code, error_msg} with an X-Request-Id header. Known but unimplemented IoTDA operations ' +
          'answer 501 IOTDA.900501.',
      },
      components: {
        securitySchemes: {
          akSk: { type: 'apiKey', in: 'header', name: 'Authorization' },
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
        },
      },
      security: [{ akSk: [] }, { token: [] }],
      paths: Object.assign({}, ...fragments) as Record<string, unknown>,
    };
  }

  private async pathsOf(service: ServiceName): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.runtime.locate(service)}/internal/openapi-paths`, {
      headers: { [internalHeaders.token]: this.runtime.internalToken },
    });
    if (!res.ok) throw new Error(`${service} answered ${res.status} for its OpenAPI paths`);
    return (await res.json()) as Record<string, unknown>;
  }
}
