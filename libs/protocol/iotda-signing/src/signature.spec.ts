import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  sha256Hex,
  type SignableRequest,
} from './canonical-request';
import { derivedKey, parseSdkDate, signRequest, verifyRequest } from './signature';

// Worked examples of spec 05 §2.7, cross-checked there against Huawei's own huaweicloudsdkcore signers.
const credentials = {
  accessKey: 'EXAMPLEAK0123456789A',
  secretKey: 'EXAMPLESKexampleSK0123456789abcdefABCDEF',
};
const sdkDate = '20240115T081530Z';
const signedAt = parseSdkDate(sdkDate)!;
const project = 'f0a1b2c3d4e5f60718293a4b5c6d7e8f';

const requestA: SignableRequest = {
  method: 'POST',
  path: `/v5/iot/${project}/devices/5f0d1a2b3c4d5e6f7a8b9c0d_meter0001/commands`,
  query: '',
  headers: {
    host: 'iot.example.com:8443',
    'content-type': 'application/json',
    'x-project-id': project,
    'x-sdk-date': sdkDate,
  },
  body: Buffer.from('{"service_id": "WaterMeter", "command_name": "ON_OFF", "paras": {"value": "ON"}}'),
};

const requestB: SignableRequest = {
  method: 'GET',
  path: `/v5/iot/${project}/devices`,
  query: 'device_name=meter%2001&limit=10&product_id=5f0d1a2b3c4d5e6f7a8b9c0d',
  headers: {
    host: 'iot.example.com:8443',
    'instance-id': '3e7f9a2b-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
    'x-project-id': project,
    'x-sdk-date': sdkDate,
  },
  body: Buffer.alloc(0),
};

const withAuth = (r: SignableRequest, authorization: string): SignableRequest => ({
  ...r,
  headers: { ...r.headers, authorization },
});
const secretOf = (ak: string) => (ak === credentials.accessKey ? credentials.secretKey : undefined);
const verify = (r: SignableRequest, now = signedAt) => verifyRequest(r, { secretOf, now });

describe('spec 05 §2.7 vectors', () => {
  it('request A: body hash, canonical request and SDK-HMAC-SHA256 signature', () => {
    expect(sha256Hex(requestA.body)).toBe('38a27eb26f9d48a67313143acea8f77993670b7445ad9cc4cf55c76ab67d7290');
    const signed = ['content-type', 'host', 'x-project-id', 'x-sdk-date'];
    expect(sha256Hex(canonicalRequest(requestA, signed))).toBe(
      'fc4dbd470a00c447551bbc85706352660322fdc9a84d6a316b81cef54acae4a1',
    );
    expect(signRequest(requestA, credentials, { scheme: 'SDK-HMAC-SHA256', sdkDate })).toBe(
      'SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789A, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=2665e8e5ba53e2a91a6ec4b360a3b8a315532ea98cf2285529fdc2c0716f26cf',
    );
  });

  it('request B: query canonicalisation and signature', () => {
    expect(canonicalQuery(requestB.query)).toBe(
      'device_name=meter%2001&limit=10&product_id=5f0d1a2b3c4d5e6f7a8b9c0d',
    );
    const signed = ['host', 'instance-id', 'x-project-id', 'x-sdk-date'];
    expect(sha256Hex(canonicalRequest(requestB, signed))).toBe(
      '241f242daab2515e10cea0768b7ffae29059281227c278e9fde458af844ef855',
    );
    expect(signRequest(requestB, credentials, { scheme: 'SDK-HMAC-SHA256', sdkDate })).toContain(
      'Signature=184fdafc328b49596f7902f45b92db0af16083ae18eceef2e713095c4df599bc',
    );
  });

  it('V11-HMAC-SHA256: derived key and signatures of both requests', () => {
    expect(derivedKey(credentials.accessKey, credentials.secretKey, '20240115/cn-north-4/iotdm')).toBe(
      '388477d7e0f866cbb96c8d1ab0b352740661867603415286d4911855de1dde2d',
    );
    expect(
      signRequest(requestA, credentials, { scheme: 'V11-HMAC-SHA256', sdkDate, region: 'cn-north-4' }),
    ).toBe(
      'V11-HMAC-SHA256 Credential=EXAMPLEAK0123456789A/20240115/cn-north-4/iotdm, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=b077409b4fa270c1fa486e67431ac9686b20b58f474d50671988ec05b1c20c0f',
    );
    expect(
      signRequest(requestB, credentials, { scheme: 'V11-HMAC-SHA256', sdkDate, region: 'cn-north-4' }),
    ).toContain('Signature=b91f6371a8eb3a9ccdf28a084fd1bef4ceb36ae6c0e56d39545341df623b7f3e');
  });
});

describe('canonical forms', () => {
  it('appends a trailing slash and re-encodes each path segment once', () => {
    expect(canonicalUri('/v5/iot/p/devices')).toBe('/v5/iot/p/devices/');
    expect(canonicalUri('/v5/iot/p/devices/a%20b')).toBe('/v5/iot/p/devices/a%20b/');
    expect(canonicalUri("/x/it's(1)")).toBe('/x/it%27s%281%29/');
  });

  it('converges the query encodings of every SDK: + and %20, bare names, order', () => {
    const expected = 'a=&b=x%20y&b=z&c=1';
    for (const raw of ['c=1&b=z&b=x+y&a', 'b=x%20y&a=&c=1&b=z', 'a&b=z&b=x%20y&c=1'])
      expect(canonicalQuery(raw)).toBe(expected);
  });
});

describe('verifyRequest', () => {
  const signedA = (scheme: 'SDK-HMAC-SHA256' | 'V11-HMAC-SHA256' = 'SDK-HMAC-SHA256') =>
    withAuth(requestA, signRequest(requestA, credentials, { scheme, sdkDate, region: 'cn-north-4' }));

  it.each(['SDK-HMAC-SHA256', 'V11-HMAC-SHA256'] as const)(
    'accepts a request signed with %s',
    async (scheme) => {
      expect(await verify(signedA(scheme))).toEqual({ ok: true, accessKey: credentials.accessKey });
    },
  );

  it('accepts the Go SDK shape (host and content-type unsigned) and a leading space', async () => {
    const auth = signRequest(requestB, credentials, {
      scheme: 'SDK-HMAC-SHA256',
      sdkDate,
      signedHeaders: ['x-project-id', 'x-sdk-date'],
    });
    expect((await verify(withAuth(requestB, ` ${auth}`))).ok).toBe(true);
  });

  it.each([
    [
      'a changed header value',
      (r: SignableRequest) => ({ ...r, headers: { ...r.headers, 'x-project-id': 'other' } }),
      'signature-mismatch',
    ],
    [
      'a changed body byte',
      (r: SignableRequest) => ({ ...r, body: Buffer.from(r.body.toString().replace('ON"}', 'OF"}')) }),
      'signature-mismatch',
    ],
    ['a changed path', (r: SignableRequest) => ({ ...r, path: `${r.path}x` }), 'signature-mismatch'],
    ['a changed query', (r: SignableRequest) => ({ ...r, query: 'limit=1' }), 'signature-mismatch'],
    [
      'a missing signed header',
      (r: SignableRequest) => ({ ...r, headers: { ...r.headers, host: undefined } }),
      'bad-signed-headers',
    ],
    [
      'an unknown access key',
      (r: SignableRequest) => withAuth(r, String(r.headers['authorization']).replace('EXAMPLEAK', 'OTHERAK')),
      'unknown-access-key',
    ],
    [
      'a malformed date',
      (r: SignableRequest) => ({ ...r, headers: { ...r.headers, 'x-sdk-date': '2024-01-15T08:15:30Z' } }),
      'bad-date',
    ],
    [
      'no Authorization',
      (r: SignableRequest) => ({ ...r, headers: { ...r.headers, authorization: undefined } }),
      'missing-authorization',
    ],
    [
      'another scheme',
      (r: SignableRequest) => withAuth(r, 'SDK-HMAC-SM3 Access=a, SignedHeaders=x-sdk-date, Signature=00'),
      'malformed-authorization',
    ],
  ])('refuses %s', async (_name, tamper, failure) => {
    expect(await verify(tamper(signedA()))).toMatchObject({ ok: false, failure });
  });

  it('refuses a date more than 15 minutes away, either way', async () => {
    expect(await verify(signedA(), signedAt + 15 * 60_000)).toMatchObject({ ok: true });
    expect(await verify(signedA(), signedAt + 15 * 60_000 + 1_000)).toMatchObject({
      ok: false,
      failure: 'date-skew',
    });
    expect(await verify(signedA(), signedAt - 16 * 60_000)).toMatchObject({
      ok: false,
      failure: 'date-skew',
    });
  });

  it('refuses a V11 scope for another day or service', async () => {
    const auth = signRequest(requestA, credentials, { scheme: 'V11-HMAC-SHA256', sdkDate, service: 'ecs' });
    expect(await verify(withAuth(requestA, auth))).toMatchObject({ ok: false, failure: 'bad-scope' });
    const otherDay = signRequest(requestA, credentials, { scheme: 'V11-HMAC-SHA256', sdkDate }).replace(
      '/20240115/',
      '/20240116/',
    );
    expect(await verify(withAuth(requestA, otherDay))).toMatchObject({ ok: false, failure: 'bad-scope' });
  });

  it('parses only real calendar dates', () => {
    expect(parseSdkDate('20240230T000000Z')).toBeUndefined();
    expect(parseSdkDate(sdkDate)).toBe(Date.UTC(2024, 0, 15, 8, 15, 30));
  });
});
