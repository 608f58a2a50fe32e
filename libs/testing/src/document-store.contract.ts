import { randomUUID } from 'node:crypto';
import {
  type DocumentCollection,
  type DocumentStore,
  DocumentNotFoundError,
  DuplicateKeyError,
  InvalidDocumentRequestError,
  VersionConflictError,
  deleteAll,
  maxGetMany,
  oldestBeyond,
} from '@nidus/persistence-core';

export interface DocumentStoreHarness {
  /** Opens a store; stores opened by one harness share their data (same file, same database). */
  open(): Promise<DocumentStore>;
}

interface Device {
  node_id: string;
  status: string;
  online: boolean;
  auth: { type: string };
  rank: number;
}

const device = (node: string, extra: Partial<Device> = {}): Device => ({
  node_id: node,
  status: 'ONLINE',
  online: true,
  auth: { type: 'SECRET' },
  rank: 0,
  ...extra,
});

/** The document store specification (DocumentStore in libs/persistence/core), run against every adapter. */
export function describeDocumentStoreContract(adapter: string, harness: () => DocumentStoreHarness): void {
  describe(`DocumentStore contract: ${adapter}`, () => {
    let h: DocumentStoreHarness;
    let store: DocumentStore;
    let devices: DocumentCollection<Device>;

    beforeEach(async () => {
      h = harness();
      store = await h.open();
      devices = await store.collection<Device>({
        name: `test_devices_${randomUUID().slice(0, 8)}`,
        indexes: [{ fields: ['node_id'], unique: true }, { fields: ['status'] }, { fields: ['auth.type'] }],
      });
    });

    afterEach(() => store.close());

    it('inserts and reads a document at version 1, only within its tenant', async () => {
      const stored = await devices.insert('t1', 'd1', device('n1'));
      expect(stored).toMatchObject({ tenant: 't1', id: 'd1', version: 1, data: device('n1') });
      expect(await devices.get('t1', 'd1')).toEqual(stored);
      expect(await devices.get('t2', 'd1')).toBeUndefined();
      expect(await devices.get('t1', 'nope')).toBeUndefined();
    });

    it('reads many documents by id in one call, only within its tenant', async () => {
      const stored = await Promise.all(
        ['d1', 'd2', 'd3'].map((id, i) => devices.insert('t1', id, device(`n${i}`))),
      );
      await devices.insert('t2', 'd4', device('n4'));
      const found = await devices.getMany('t1', ['d3', 'nope', 'd1', 'd4', 'd1']);
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual([stored[0], stored[2]]);
      expect(await devices.getMany('t1', [])).toEqual([]);
      const many = Array.from({ length: maxGetMany }, (_, i) => `id-${i}`);
      expect(await devices.getMany('t1', [...many.slice(1), 'd2'])).toEqual([stored[1]]);
      await expect(devices.getMany('t1', [...many, 'd2'])).rejects.toBeInstanceOf(
        InvalidDocumentRequestError,
      );
      await expect(devices.getMany('t1', ['d1', ''])).rejects.toBeInstanceOf(InvalidDocumentRequestError);
    });

    it('rejects a taken id or unique value within a tenant, and allows them in another', async () => {
      await devices.insert('t1', 'd1', device('n1'));
      await expect(devices.insert('t1', 'd1', device('n2'))).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(devices.insert('t1', 'd2', device('n1'))).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(devices.insert('t2', 'd1', device('n1'))).resolves.toMatchObject({
        tenant: 't2',
        version: 1,
      });
    });

    it('requires every unique field', async () => {
      const partial = { status: 'ONLINE' } as unknown as Device;
      await expect(devices.insert('t1', 'd1', partial)).rejects.toBeInstanceOf(InvalidDocumentRequestError);
    });

    it('replaces only at the expected version and counts versions up', async () => {
      await devices.insert('t1', 'd1', device('n1'));
      const v2 = await devices.replace('t1', 'd1', device('n1', { status: 'OFFLINE' }), 1);
      expect(v2).toMatchObject({ version: 2, data: { status: 'OFFLINE' } });
      await expect(devices.replace('t1', 'd1', device('n1'), 1)).rejects.toBeInstanceOf(VersionConflictError);
      await expect(devices.replace('t1', 'missing', device('n9'), 1)).rejects.toBeInstanceOf(
        DocumentNotFoundError,
      );
      await expect(devices.replace('t2', 'd1', device('n1'), 2)).rejects.toBeInstanceOf(
        DocumentNotFoundError,
      );
      expect((await devices.get('t1', 'd1'))?.data.status).toBe('OFFLINE');
    });

    it('lets exactly one of concurrent writers at the same version win', async () => {
      await devices.insert('t1', 'd1', device('n1'));
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => devices.replace('t1', 'd1', device('n1', { rank: i }), 1)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(losers.every((r) => r.reason instanceof VersionConflictError)).toBe(true);
      expect((await devices.get('t1', 'd1'))?.version).toBe(2);
    });

    it('rejects a replace that takes another document unique value', async () => {
      await devices.insert('t1', 'd1', device('n1'));
      await devices.insert('t1', 'd2', device('n2'));
      await expect(devices.replace('t1', 'd2', device('n1'), 1)).rejects.toBeInstanceOf(DuplicateKeyError);
    });

    it('deletes, honouring an expected version', async () => {
      await devices.insert('t1', 'd1', device('n1'));
      await expect(devices.delete('t1', 'd1', 7)).rejects.toBeInstanceOf(VersionConflictError);
      expect(await devices.delete('t2', 'd1')).toBe(false);
      expect(await devices.delete('t1', 'd1', 1)).toBe(true);
      expect(await devices.delete('t1', 'd1')).toBe(false);
      await expect(devices.insert('t1', 'd9', device('n1'))).resolves.toMatchObject({ version: 1 }); // unique value freed
    });

    it('finds and counts by equality, nested paths, booleans and membership, within the tenant', async () => {
      await devices.insert('t1', 'a', device('n1', { status: 'ONLINE' }));
      await devices.insert(
        't1',
        'b',
        device('n2', { status: 'OFFLINE', online: false, auth: { type: 'CERTIFICATES' } }),
      );
      await devices.insert('t1', 'c', device('n3', { status: 'ABNORMAL', online: false }));
      await devices.insert('t2', 'd', device('n4', { status: 'OFFLINE' }));
      const ids = async (filter: Parameters<typeof devices.find>[1]) =>
        (await devices.find('t1', filter, { limit: 100 })).items.map((d) => d.id);

      expect(await ids({ status: 'OFFLINE' })).toEqual(['b']);
      expect(await ids({ 'auth.type': 'CERTIFICATES' })).toEqual(['b']);
      expect(await ids({ online: false })).toEqual(['b', 'c']);
      expect(await ids({ status: { in: ['ONLINE', 'ABNORMAL'] } })).toEqual(['a', 'c']);
      expect(await ids({ status: 'OFFLINE', online: true })).toEqual([]);
      expect(await ids({})).toEqual(['a', 'b', 'c']);
      expect(await devices.count('t1', { online: false })).toBe(2);
      expect(await devices.count('t2', {})).toBe(1);
    });

    it('pages with cursors in both orders without gaps or repeats', async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
      for (const id of ids) await devices.insert('t1', id, device(id));
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        const sizes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await devices.find('t1', {}, { limit: 10, order, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((d) => d.id));
          sizes.push(page.items.length);
          cursor = page.nextCursor;
        } while (cursor);
        expect(sizes).toEqual([10, 10, 5]);
        expect(seen).toEqual(order === 'asc' ? ids : [...ids].reverse());
      }
    });

    it('restricts finds and counts to an id range, with cursors inside it', async () => {
      for (let i = 0; i < 12; i++)
        await devices.insert('t1', `r${String(i).padStart(2, '0')}`, device(`n${i}`));
      await devices.insert('t2', 'r05', device('other tenant'));
      const ids = { from: 'r03', to: 'r10' };
      expect(await devices.count('t1', {}, ids)).toBe(7);
      expect(await devices.count('t1', {}, { to: 'r02' })).toBe(2);
      const first = await devices.find('t1', {}, { limit: 4, order: 'desc', ids });
      expect(first.items.map((d) => d.id)).toEqual(['r09', 'r08', 'r07', 'r06']);
      const second = await devices.find(
        't1',
        {},
        { limit: 4, order: 'desc', ids, cursor: first.nextCursor! },
      );
      expect(second.items.map((d) => d.id)).toEqual(['r05', 'r04', 'r03']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('deletes every document a filter and an id range match (deleteAll), within the tenant', async () => {
      for (let i = 0; i < 12; i++)
        await devices.insert(
          't1',
          `x${String(i).padStart(2, '0')}`,
          device(`n${i}`, { status: i % 2 ? 'OFFLINE' : 'ONLINE' }),
        );
      await devices.insert('t2', 'x01', device('other tenant', { status: 'OFFLINE' }));
      expect(await deleteAll(devices, 't1', { status: 'OFFLINE' }, { to: 'x08' })).toBe(4); // x01 x03 x05 x07
      expect((await devices.find('t1', { status: 'OFFLINE' }, { limit: 10 })).items.map((d) => d.id)).toEqual(
        ['x09', 'x11'],
      );
      expect(await devices.count('t1', {})).toBe(8);
      expect(await deleteAll(devices, 't1', {})).toBe(8);
      expect(await devices.count('t1', {})).toBe(0);
      expect(await devices.count('t2', {})).toBe(1);
    });

    it('finds what a filter matches beyond its newest N, oldest first (oldestBeyond), within the tenant', async () => {
      for (let i = 0; i < 6; i++)
        await devices.insert('t1', `y${i}`, device(`n${i}`, { status: i % 2 ? 'OFFLINE' : 'ONLINE' }));
      await devices.insert('t2', 'y9', device('other tenant', { status: 'OFFLINE' }));
      const beyond = (keep: number) =>
        oldestBeyond(devices, 't1', { status: 'OFFLINE' }, keep).then((docs) => docs.map((d) => d.id));
      expect(await beyond(1)).toEqual(['y1', 'y3']); // of y1 y3 y5, the newest one stays
      expect(await beyond(3)).toEqual([]);
    });

    it('refuses bad requests with InvalidDocumentRequestError', async () => {
      await expect(devices.insert('bad:tenant', 'd1', device('n1'))).rejects.toBeInstanceOf(
        InvalidDocumentRequestError,
      );
      await expect(devices.find('t1', { "x') OR 1=1 --": 1 }, { limit: 10 })).rejects.toBeInstanceOf(
        InvalidDocumentRequestError,
      );
      await expect(devices.find('t1', {}, { limit: 0 })).rejects.toBeInstanceOf(InvalidDocumentRequestError);
      await expect(store.collection({ name: 'Bad-Name' })).rejects.toBeInstanceOf(
        InvalidDocumentRequestError,
      );
    });

    it('keeps documents across a reopen', async () => {
      const name = `test_durable_${randomUUID().slice(0, 8)}`;
      const first = await store.collection<Device>({
        name,
        indexes: [{ fields: ['node_id'], unique: true }],
      });
      await first.insert('t1', 'd1', device('n1'));
      await store.close();

      store = await h.open();
      const again = await store.collection<Device>({
        name,
        indexes: [{ fields: ['node_id'], unique: true }],
      });
      expect((await again.get('t1', 'd1'))?.data).toEqual(device('n1'));
      await expect(again.insert('t1', 'd2', device('n1'))).rejects.toBeInstanceOf(DuplicateKeyError);
    });

    it('reports itself healthy', async () => {
      expect((await store.health()).ok).toBe(true);
    });
  });
}
