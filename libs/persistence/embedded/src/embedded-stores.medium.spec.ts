import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
    // The write that breaks a rule sits between others of the same commit: those before and after it land.
    const insert = (i: number) => things.insert('t', `id${i}`, { name: `n${i}` });
    const before = Array.from({ length: 25 }, (_, i) => insert(i));
    const clash = things.insert('t', 'other', { name: 'n7' });
    const after = Array.from({ length: 25 }, (_, i) => insert(25 + i));
    const results = await Promise.allSettled([...before, ...after]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    await expect(clash).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await things.count('t', {})).toBe(50);
    const [replaced, clashing, deleted, conflict] = await Promise.all([
      things.replace('t', 'id1', { name: 'renamed' }, 1),
      things.replace('t', 'id4', { name: 'n5' }, 1).catch((e: unknown) => e),
      things.delete('t', 'id2'),
      things.replace('t', 'id3', { name: 'x' }, 9).catch((e: unknown) => e),
    ]);
    expect(replaced).toMatchObject({ id: 'id1', version: 2, data: { name: 'renamed' } });
    const inserted = results[1]!.status === 'fulfilled' ? results[1]!.value : undefined;
    expect(replaced.createdAt).toBe(inserted?.createdAt); // from the statement's RETURNING, not read back
    expect(clashing).toBeInstanceOf(DuplicateKeyError);
    expect(deleted).toBe(true);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(await things.count('t', {})).toBe(49);
    expect(await things.get('t', 'id1')).toMatchObject({ version: 2, data: { name: 'renamed' } });
    expect(await things.get('t', 'id4')).toMatchObject({ version: 1, data: { name: 'n4' } });
    await store.close();
  });
});

describe('SQLite write durability', () => {
  /** Waits (bounded) until `check` holds: the log file is opened on the thread pool, which takes a while on CI. */
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
    return check();
  };

  it('acknowledges a write once the write-ahead log is flushed; writes during a flush share the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nidus-sync-'));
    dirs.push(dir);
    const flushes: { wal: FileHandle; done: (error?: Error) => void }[] = [];
    const store = new SqliteDocumentStore(join(dir, 's.sqlite'), {
      datasync: (wal) =>
        new Promise((resolve, reject) => flushes.push({ wal, done: (e) => (e ? reject(e) : resolve()) })),
    });
    const things = await store.collection<{ name: string }>({ name: 'things' });
    const acked: string[] = [];
    const insert = (id: string) => things.insert('t', id, { name: id }).then(() => void acked.push(id));

    const first = insert('a');
    expect(await until(() => flushes.length === 1)).toBe(true);
    expect((await flushes[0]!.wal.stat()).ino).toBe(statSync(join(dir, 's.sqlite-wal')).ino);
    expect(await things.get('t', 'a')).toMatchObject({ data: { name: 'a' } }); // committed, not yet acknowledged
    expect(acked).toEqual([]);

    const during = [insert('b'), insert('c')];
    await new Promise((r) => setTimeout(r, 50));
    expect(flushes).toHaveLength(1); // b and c are committed and wait for the flush under way to end
    flushes[0]!.done();
    await first;
    expect(acked).toEqual(['a']);
    expect(await until(() => flushes.length === 2)).toBe(true);
    flushes[1]!.done();
    await Promise.all(during);
    expect(acked.sort()).toEqual(['a', 'b', 'c']);

    const failed = things.insert('t', 'd', { name: 'd' });
    expect(await until(() => flushes.length === 3)).toBe(true);
    flushes[2]!.done(new Error('EIO'));
    await expect(failed).rejects.toThrow('EIO'); // not known to be on disk: not acknowledged
    await store.close();
  });
});

describe('SQLite query plans', () => {
  const planOf = (file: string, sql: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all('t', 'd1', 'PENDING')
        .map((r) => r.detail)
        .join('; ');
    } finally {
      db.close();
    }
  };

  it('uses a secondary index on a new, never measured table, and measures a table that has rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nidus-plan-'));
    dirs.push(dir);
    const file = join(dir, 'p.sqlite');
    const spec = { name: 'queue', indexes: [{ fields: ['device_id', 'status'] }] };
    const query =
      `SELECT * FROM doc_queue WHERE tenant = ? AND json_extract(data, '$.device_id') IN (?) ` +
      `AND json_extract(data, '$.status') IN (?) ORDER BY id ASC LIMIT 2`;
    let store = new SqliteDocumentStore(file);
    const queue = await store.collection<{ device_id: string; status: string }>(spec);
    // Without statistics, SQLite walks the tenant in primary-key order here.
    expect(planOf(file, query)).toMatch(/USING INDEX doc_queue__device_id_status/);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        queue.insert('t', `r${String(i).padStart(4, '0')}`, { device_id: `d${i % 30}`, status: 'PENDING' }),
      ),
    );
    await store.close();
    store = new SqliteDocumentStore(file);
    await store.collection(spec);
    const stats = new Database(file, { readonly: true });
    expect(
      stats.prepare('SELECT stat FROM sqlite_stat1 WHERE idx = ?').get('doc_queue__device_id_status'),
    ).toEqual({
      stat: '300 300 10 10',
    });
    stats.close();
    expect(planOf(file, query)).toMatch(/USING INDEX doc_queue__device_id_status/);
    await store.close();
  });
});
