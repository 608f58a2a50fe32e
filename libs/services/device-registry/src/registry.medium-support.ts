import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@nidus/platform-config';
import { type Infrastructure, openInfrastructure, standaloneRuntime } from '@nidus/platform-runtime';
import { type Clock, silentLogger } from '@nidus/ports';
import { createDeviceRegistry } from './device-registry.bootstrap';

/** A JSON answer, read field by field. */
export type Answer = Record<string, unknown>;

/** The registry under a medium test: its own Nest application over the embedded adapters, listening on loopback. */
export interface RegistryUnderTest {
  readonly dataDir: string;
  readonly internalToken: string;
  readonly infra: Infrastructure;
  readonly app: INestApplication;
  /** `…/v5/iot/{project}` */
  readonly base: string;
  /** Calls the registry the way the api does (ADR 0006): v5 paths of `project`, the internal token. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }>;
  close(): Promise<void>;
}

/**
 * Starts the registry over a fresh data directory (SQLite file, journaled in-process bus); `beforeStart` runs once
 * the bus is open, before the registry subscribes (a test's own consumers see every event).
 */
export async function startRegistry(
  project: string,
  clock: Clock,
  beforeStart: (infra: Infrastructure) => Promise<void> = async () => undefined,
): Promise<RegistryUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-registry-'));
  const config = loadConfig({ NIDUS_DATA_DIR: dataDir }, { defaultServices: ['device-registry'] });
  const infra = await openInfrastructure(config, silentLogger);
  const runtime = standaloneRuntime('device-registry', config, infra, { clock });
  const { internalToken } = runtime;
  await beforeStart(infra);
  const app = await createDeviceRegistry(runtime);
  await app.listen(0, '127.0.0.1');
  const base = `${await app.getUrl()}/v5/iot/${project}`;
  return {
    dataDir,
    internalToken,
    infra,
    app,
    base,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-nidus-internal-token': internalToken, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Answer };
    },
    async close() {
      await app.close();
      await infra.close();
    },
  };
}
