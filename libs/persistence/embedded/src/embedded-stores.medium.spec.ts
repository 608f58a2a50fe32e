import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateKeyError, VersionConflictError } from '@nidus/persistence-core';
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

describe('SQLite group commit', () => {
  it('commits concurrent writes together, failing only the one that breaks a rule', async () => {
    const store = new SqliteDocumentStore(join(mkdtempSync(join(tmpdir(), 'nidus-group-')), 'g.sqlite'));
    const things = await store.collection<{ name: string }>({
      name: 'things',
      indexes: [{ fields: ['name'], unique: true }],
    });
    const writes = Array.from({ length: 50 }, (_, i) => things.insert('t', `id${i}`, { name: `n${i}` }));
    const clash = things.insert('t', 'other', { name: 'n7' });
    const results = await Promise.allSettled([...writes, clash]);
    expect(results.slice(0, 50).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[50]).toMatchObject({ status: 'rejected', reason: expect.any(DuplicateKeyError) });
    expect(await things.count('t', {})).toBe(50);
    const [replaced, deleted, conflict] = await Promise.all([
      things.replace('t', 'id1', { name: 'renamed' }, 1),
      things.delete('t', 'id2'),
      things.replace('t', 'id3', { name: 'x' }, 9).catch((e: unknown) => e),
    ]);
    expect(replaced.version).toBe(2);
    expect(deleted).toBe(true);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(await things.count('t', {})).toBe(49);
    await store.close();
  });
});
