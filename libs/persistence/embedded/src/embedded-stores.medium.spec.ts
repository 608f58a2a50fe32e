import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDocumentStoreContract, describeSessionStoreContract } from '@nidus/testing';
import { MemorySessionStore, SessionSpace } from './memory-session-store';
import { SqliteDocumentStore } from './sqlite-document-store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeDocumentStoreContract('embedded SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nidus-docs-'));
  dirs.push(dir);
  return { open: async () => new SqliteDocumentStore(join(dir, 'documents.sqlite')) };
});

describeSessionStoreContract('in-process', () => {
  const space = new SessionSpace(undefined, 50);
  return { open: async (namespace) => new MemorySessionStore(space, namespace) };
});
