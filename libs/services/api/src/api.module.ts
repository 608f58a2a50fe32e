import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { IotdaHttpModule } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AdminBootstrap } from './credentials/admin.bootstrap';
import { API_STORE, type ApiStore, CredentialService } from './credentials/credential.service';
import { Authenticator } from './front-door/authenticator';
import { Forwarder } from './front-door/forwarder';
import { FrontDoorMiddleware } from './front-door/front-door.middleware';
import { OpenApiController } from './openapi/openapi.controller';

async function openApiStore(runtime: ServiceRuntime): Promise<ApiStore> {
  const documents = await runtime.documents();
  return {
    projects: await documents.collection({ name: 'api_projects' }),
    accessKeys: await documents.collection({ name: 'api_access_keys' }),
    tokens: await documents.collection({ name: 'api_tokens' }),
  };
}

/**
 * Root module of the api service: the northbound front door (authentication, tenancy, routing to the owning
 * services, 501 for known but unimplemented operations) and the OpenAPI document (ADR 0006).
 */
@Module({
  imports: [IotdaHttpModule],
  controllers: [OpenApiController],
  providers: [
    { provide: API_STORE, useFactory: openApiStore, inject: [SERVICE_RUNTIME] },
    CredentialService,
    AdminBootstrap,
    Authenticator,
    Forwarder,
    FrontDoorMiddleware,
  ],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(FrontDoorMiddleware)
      .forRoutes(
        { path: 'v5/*path', method: RequestMethod.ALL },
        { path: 'nidus/*path', method: RequestMethod.ALL },
      );
  }
}
