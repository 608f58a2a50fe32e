import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DownlinkResponded } from '@nidus/contracts';
import { loadConfig } from '@nidus/platform-config';
import { type Infrastructure, openInfrastructure } from '@nidus/platform-runtime';
import { silentLogger } from '@nidus/ports';
import { PendingRequests } from './pending-requests';

// The pending-request registry of synchronous calls over real Redis (tools/infra): two shadow instances share it, the
// answer is consumed on one and completes the call waiting on the other.

let infra: Infrastructure;
let a: PendingRequests;
let b: PendingRequests;

beforeAll(async () => {
  const config = loadConfig(
    {
      NIDUS_DATA_DIR: mkdtempSync(join(tmpdir(), 'nidus-pending-')),
      NIDUS_SESSIONS: 'redis',
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379',
    },
    { defaultServices: ['shadow'] },
  );
  infra = await openInfrastructure(config, silentLogger);
  const store = await infra.sessions('shadow');
  const suffix = Math.random().toString(36).slice(2);
  a = new PendingRequests(store, `a-${suffix}`, silentLogger);
  b = new PendingRequests(store, `b-${suffix}`, silentLogger);
  await Promise.all([a.start(), b.start()]);
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await infra.close();
});

const answer = (requestId: string, device: string, body: Record<string, unknown>): DownlinkResponded => ({
  device_id: device,
  gateway_id: device,
  product_id: 'p',
  received_time: '20261127T000000Z',
  kind: 'command',
  request_id: requestId,
  body,
});

describe('PendingRequests', () => {
  it('completes a call waiting on one instance with the answer consumed on another, once', async () => {
    const id = `req-${Math.random()}`;
    const { answer: waiting } = await a.register(id, 'dev-1', 'command', 5_000);
    expect(await b.answer(answer(id, 'dev-1', { result_code: 0 }))).toBe('completed');
    expect(await waiting).toEqual({ result_code: 0 });
    expect(await b.answer(answer(id, 'dev-1', { result_code: 1 }))).toBe('unknown'); // duplicate
  });

  it('refuses an answer from another device or of another kind, and keeps waiting for the right one', async () => {
    const id = `req-${Math.random()}`;
    const { answer: waiting } = await a.register(id, 'dev-2', 'command', 5_000);
    expect(await b.answer(answer(id, 'intruder', { forged: true }))).toBe('mismatched');
    expect(await b.answer({ ...answer(id, 'dev-2', {}), kind: 'properties-set' })).toBe('mismatched');
    expect(await a.answer(answer(id, 'dev-2', { result_code: 0 }))).toBe('completed');
    expect(await waiting).toEqual({ result_code: 0 });
  });

  it('ends a call nobody answers with undefined, and drops the answer that comes after', async () => {
    const id = `req-${Math.random()}`;
    const { answer: waiting } = await a.register(id, 'dev-3', 'properties-get', 300);
    expect(await waiting).toBeUndefined();
    expect(await b.answer({ ...answer(id, 'dev-3', {}), kind: 'properties-get' })).toBe('unknown');
  });

  it('ignores an answer for an id never asked', async () => {
    expect(await b.answer(answer('never-asked', 'dev-4', {}))).toBe('unknown');
  });
});
