import { Body, Controller, Get, Global, type INestApplication, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { LOGGER, SERVICE_RUNTIME } from '@nidus/platform-runtime';
import { silentLogger } from '@nidus/ports';
import { IotdaApiError } from './iotda-api.error';
import { IotdaHttpModule } from './iotda-http.module';
import { ZodValidationPipe } from './zod-validation.pipe';

const deviceBody = z.object({
  node_id: z.string().min(1).max(64),
  device_name: z.string().max(256).optional(),
});

@Controller('v5/iot/:project/devices')
class DevicesController {
  @Post()
  create(@Body(new ZodValidationPipe(deviceBody)) body: z.infer<typeof deviceBody>) {
    return { device_id: `p_${body.node_id}`, ...body };
  }

  @Get(':id')
  show(@Param('id') id: string) {
    if (id === 'boom') throw new Error('database password is hunter2');
    throw new IotdaApiError('DEVICE_NOT_FOUND', `device_id ${id}`);
  }
}

const internalToken = 'test-internal-token-0001';

@Global()
@Module({
  providers: [
    { provide: LOGGER, useValue: silentLogger },
    { provide: SERVICE_RUNTIME, useValue: { internalToken } },
  ],
  exports: [LOGGER, SERVICE_RUNTIME],
})
class TestRuntimeModule {}

@Module({ imports: [TestRuntimeModule, IotdaHttpModule], controllers: [DevicesController] })
class TestModule {}

describe('IoTDA HTTP conventions (spec 05 §1.3, §1.6)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(TestModule, { logger: ['warn', 'error'] });
    await app.listen(0, '127.0.0.1');
    base = `${await app.getUrl()}/v5/iot/p1`;
  });
  afterAll(() => app.close());

  const call = (url: string, init: RequestInit = {}) =>
    fetch(url, {
      ...init,
      headers: { 'x-nidus-internal-token': internalToken, ...(init.headers as Record<string, string>) },
    });
  const post = (body: string) =>
    call(`${base}/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  async function expectError(res: Response, status: number, code: string, msg: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg']);
    expect(body['error_code']).toBe(code);
    expect(body['error_msg']).toMatch(msg);
  }

  it('answers a valid request with an X-Request-Id and drops unknown fields', async () => {
    const res = await post(JSON.stringify({ node_id: 'n1', colour: 'red' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ device_id: 'p_n1', node_id: 'n1' });
  });

  it('keeps a request id forwarded by the api service', async () => {
    const res = await call(`${base}/devices/d1`, {
      headers: { 'x-request-id': 'a1b2c3d4-0000-4000-8000-000000000001' },
    });
    expect(res.headers.get('x-request-id')).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('names the failing field in 400 IOTDA.000006', async () => {
    await expectError(
      await post(JSON.stringify({ node_id: 'x'.repeat(65) })),
      400,
      'IOTDA.000006',
      /^Invalid input data\. node_id: /,
    );
    await expectError(await post(JSON.stringify({ device_name: 'a' })), 400, 'IOTDA.000006', /node_id/);
  });

  it('answers malformed JSON with 400 IOTDA.000008', async () => {
    await expectError(await post('{"node_id": '), 400, 'IOTDA.000008', /^Invalid input\./);
  });

  it('renders a thrown IotdaApiError with its status and code', async () => {
    await expectError(
      await call(`${base}/devices/d1`),
      404,
      'IOTDA.014000',
      /^The device does not exist\. device_id d1$/,
    );
  });

  it('answers an unknown route with the IoTDA body, not a router page', async () => {
    await expectError(
      await call(`${base}/nothing-here`),
      404,
      'IOTDA.904000',
      /GET \/v5\/iot\/p1\/nothing-here/,
    );
  });

  it('answers v5 routes only to the api (internal token, ADR 0006)', async () => {
    await expectError(await fetch(`${base}/devices/d1`), 401, 'APIGW.0301', /through the api service/);
    await expectError(
      await fetch(`${base}/devices/d1`, { headers: { 'x-nidus-internal-token': 'wrong' } }),
      401,
      'APIGW.0301',
      /through the api service/,
    );
  });

  it('hides unexpected errors behind 500 IOTDA.900500', async () => {
    const res = await call(`${base}/devices/boom`);
    await expectError(res.clone(), 500, 'IOTDA.900500', /^Internal error\.$/);
    expect(await res.text()).not.toContain('hunter2');
  });
});
