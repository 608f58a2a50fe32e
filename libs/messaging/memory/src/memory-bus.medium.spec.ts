import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventBusContract } from '@nidus/testing';
import { MemoryEventBus } from './memory-bus';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeEventBusContract('in-process bus with its journal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bus-'));
  dirs.push(dataDir);
  return { open: () => MemoryEventBus.open({ dataDir, offsetFlushMs: 5 }) };
});
