import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type CollectionSpec,
  type DocumentCollection,
  type DocumentStore,
  type Filter,
  type IdRange,
  type Page,
  type PageRequest,
  type Scalar,
  type StoredDocument,
  DocumentNotFoundError,
  DuplicateKeyError,
  VersionConflictError,
  checkKey,
  checkKeys,
  checkQuery,
  checkPage,
  checkSpec,
  checkUniqueFields,
  cursor,
  pageOf,
} from '@nidus/persistence-core';
import { type HealthStatus, probeHealth } from '@nidus/ports';

interface Row {
  tenant: string;
  id: string;
  version: number;
  data: string;
  created_at: string;
  updated_at: string;
}

export interface SqliteDocumentStoreOptions {
  /** SQLite's page cache, in MB (8 unless set). */
  cacheMb?: number;
  /** Flushes the write-ahead log to disk; `FileHandle.datasync` unless a test watches it. */
  datasync?: (wal: FileHandle) => Promise<void>;
}

/** The size statistics assumed for a table never measured: large, with many tenants (see seedStatistics). */
const seedRows = 1_000_000;
const seedRowsPerTenant = 1_000;

/** How often the store refreshes the query planner's statistics where they are stale (`PRAGMA optimize`). */
const optimizeEveryMs = 30_000;

/**
 * The embedded document store: one SQLite file per service under the data directory (better-sqlite3, WAL). A write
 * is acknowledged once its commit is on disk, as with synchronous=FULL, but the write-ahead log is flushed off the
 * event loop (see GroupCommit). A collection is a table keyed by (tenant, id) with the document as JSON; indexes are
 * expression indexes on json_extract of the indexed paths, led by the tenant.
 */
export class SqliteDocumentStore implements DocumentStore {
  private readonly db: Database.Database;
  private readonly commits: GroupCommit;
  private readonly optimizer: NodeJS.Timeout;

  constructor(file: string, options: SqliteDocumentStoreOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: SQLite does not flush the log at commit (GroupCommit does, off the event loop); checkpoints still flush
    // the database file before the log is reused.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Reads come from the memory-mapped file (up to 256 MB of it): a registry of 100 000 devices (~100 MB with its
    // indexes) is served from the OS's page cache without a read call. SQLite's own cache keeps the pages it wrote:
    // at 64 MB per store it kept filling while the files grew (the soak: about 1 MB a minute of the process's own
    // memory, with five stores to fill). 8 MB is the default.
    this.db.pragma(`cache_size = -${Math.round((options.cacheMb ?? 8) * 1024)}`); // KiB
    this.db.pragma('mmap_size = 268435456'); // bytes
    // The query planner needs statistics to prefer a selective index over the primary key's order: without them,
    // `WHERE device_id = ? … ORDER BY id LIMIT 1` walks every record of the tenant (0.4 ms at 10 000 rows, 28 µs with
    // the index). SQLite's advice: a bounded ANALYZE when the statistics are stale, at open and then periodically.
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize = 0x10002');
    this.optimizer = setInterval(() => this.db.open && this.db.pragma('optimize = 0x10002'), optimizeEveryMs);
    this.optimizer.unref();
    this.commits = new GroupCommit(
      this.db,
      file === ':memory:' ? undefined : `${file}-wal`,
      options.datasync ?? ((wal) => wal.datasync()),
    );
  }

  async collection<T extends object>(spec: CollectionSpec): Promise<DocumentCollection<T>> {
    checkSpec(spec);
    const table = `doc_${spec.name}`;
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" (tenant TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
        data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (tenant, id)) WITHOUT ROWID`,
    );
    const seeds = [{ index: table, stat: `${seedRows} ${seedRowsPerTenant} 1` }];
    for (const index of spec.indexes ?? []) {
      const name = `${table}__${index.fields.join('_').replaceAll('.', '_')}`;
      const columns = index.fields.map((f) => `json_extract(data, '$.${f}')`).join(', ');
      this.db.exec(
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON "${table}" (tenant, ${columns})`,
      );
      const perValue = index.fields.map((_, i) => (index.unique && i === index.fields.length - 1 ? 1 : 10));
      seeds.push({ index: name, stat: [seedRows, seedRowsPerTenant, ...perValue].join(' ') });
    }
    this.seedStatistics(table, seeds);
    return new SqliteCollection<T>(this.db, spec, table, this.commits);
  }

  /**
   * Without statistics, SQLite's planner prefers walking a tenant in primary-key order to a secondary index on a
   * json_extract expression: 4.7 ms instead of 0.05 ms a query at 10 000 rows. A new table would be walked so until
   * the periodic `optimize` measures it (bench:commands queued 10 000 commands at 234/s so). A table with no figures
   * gets some that call each index selective, as SQLite allows (sqlite_stat1 may be written by hand); `optimize`
   * replaces them with measured ones once the table's size is ten times off. A table whose every index has figures
   * is left to `optimize` (no ANALYZE at every start).
   */
  private seedStatistics(table: string, seeds: { index: string; stat: string }[]): void {
    const hasStats = this.db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get();
    const known = new Set(
      hasStats
        ? this.db
            .prepare<[string], { idx: string }>('SELECT idx FROM sqlite_stat1 WHERE tbl = ?')
            .all(table)
            .map((r) => r.idx)
        : [],
    );
    if (seeds.every((s) => known.has(s.index))) return;
    this.db.exec(`ANALYZE "${table}"`); // creates sqlite_stat1; measures a table that has rows (and a new index)
    if (this.db.prepare('SELECT 1 FROM sqlite_stat1 WHERE tbl = ?').get(table)) return;
    const insert = this.db.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)');
    this.db.transaction(() => seeds.forEach((s) => insert.run(table, s.index, s.stat)))();
    this.db.exec('ANALYZE sqlite_schema'); // loads them
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(async () => {
      this.db.prepare('SELECT 1').get();
      return { ok: true, detail: this.db.name };
    });
  }

  async close(): Promise<void> {
    clearInterval(this.optimizer);
    await this.commits.close();
    if (this.db.open) {
      this.db.pragma('optimize');
      this.db.close();
    }
  }
}

interface PendingWrite {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit (as the bus journal does): the writes requested while the event loop was busy are committed in one
 * transaction, and one flush of the write-ahead log makes them durable. A write's promise settles after that flush:
 * acknowledged means durable. The flush runs on the thread pool, never in COMMIT: synchronous=FULL would block the
 * only thread for the disk (11 % of a login's time in bench:mqtt), and one flush per write would cap a service at a
 * few hundred writes a second. While one flush is under way, later commits wait and share the next. A write changes
 * the database with one statement, and SQLite backs out a failing statement alone (ON CONFLICT ABORT): one write
 * failing (a duplicate key, a version conflict) fails alone, without a savepoint around each (two statements more a
 * write). An error that ends the whole transaction (disk full, I/O) fails the whole batch.
 */
class GroupCommit {
  private pending: PendingWrite[] = [];
  private flushed: Promise<void> = Promise.resolve();
  /** Commits whose log pages still await a flush: each settles its batch's writes. */
  private unsynced: ((error?: unknown) => void)[] = [];
  private syncing: Promise<void> | undefined;
  private wal: FileHandle | undefined;
  /** Prepared once: `exec` compiles its SQL on every call, half the CPU of a commit (bench:mqtt logins). */
  private readonly sql;

  constructor(
    private readonly db: Database.Database,
    private readonly walFile: string | undefined,
    private readonly datasync: (wal: FileHandle) => Promise<void>,
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  }

  /** `run` changes the database with one statement at most (reads besides are fine): see above. */
  write<R>(run: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ run, resolve, reject });
      if (this.pending.length === 1)
        this.flushed = new Promise((done) => setImmediate(() => done(this.flush())));
    });
  }

  /** Settles every write requested so far, then lets go of the log file. */
  async close(): Promise<void> {
    await this.flushed;
    await this.syncing;
    await this.wal?.close();
    this.wal = undefined;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const { sql } = this;
    try {
      sql.begin.run();
      for (const write of batch) {
        try {
          outcomes.push({ ok: true, value: write.run() });
        } catch (error) {
          if (!this.db.inTransaction) throw error; // SQLite rolled the transaction back: the batch's writes are gone
          outcomes.push({ ok: false, value: error });
        }
      }
      sql.commit.run();
    } catch (error) {
      if (this.db.inTransaction) sql.rollback.run();
      for (const write of batch) write.reject(error);
      return;
    }
    const settle = (syncError?: unknown) =>
      batch.forEach((write, i) => {
        const { ok, value } = outcomes[i]!;
        if (syncError !== undefined) write.reject(syncError);
        else if (ok) write.resolve(value);
        else write.reject(value);
      });
    if (!this.walFile) return settle(); // in memory: nothing to flush
    this.unsynced.push(settle);
    this.syncing ??= this.syncLoop(this.walFile);
  }

  private async syncLoop(walFile: string): Promise<void> {
    while (this.unsynced.length > 0) {
      const waiting = this.unsynced;
      this.unsynced = [];
      try {
        this.wal ??= await open(walFile, 'r'); // the log exists from the first commit on
        await this.datasync(this.wal);
        waiting.forEach((settle) => settle());
      } catch (error) {
        waiting.forEach((settle) => settle(error)); // committed but maybe not on disk: not acknowledged
      }
    }
    this.syncing = undefined;
  }
}

class SqliteCollection<T> implements DocumentCollection<T> {
  private readonly statements;
  private readonly queries = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(
    private readonly db: Database.Database,
    private readonly spec: CollectionSpec,
    private readonly table: string,
    private readonly commits: GroupCommit,
  ) {
    const t = `"${table}"`;
    this.statements = {
      insert: db.prepare(
        `INSERT INTO ${t} (tenant, id, version, data, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)`,
      ),
      get: db.prepare<[string, string], Row>(`SELECT * FROM ${t} WHERE tenant = ? AND id = ?`),
      getMany: db.prepare<[string, string], Row>(
        `SELECT * FROM ${t} WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))`,
      ),
      // RETURNING what the caller does not have: reading the document back cost a query and a JSON parse a write.
      replace: db.prepare<[string, string, string, string, number], Pick<Row, 'version' | 'created_at'>>(
        `UPDATE ${t} SET data = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?
          RETURNING version, created_at`,
      ),
      delete: db.prepare(`DELETE FROM ${t} WHERE tenant = ? AND id = ?`),
      deleteVersion: db.prepare(`DELETE FROM ${t} WHERE tenant = ? AND id = ? AND version = ?`),
    };
  }

  async insert(tenant: string, id: string, data: T): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    const now = new Date().toISOString();
    const json = JSON.stringify(data);
    await this.commits.write(() =>
      this.write(() => this.statements.insert.run(tenant, id, json, now, now), id),
    );
    return { tenant, id, version: 1, data, createdAt: now, updatedAt: now };
  }

  async get(tenant: string, id: string): Promise<StoredDocument<T> | undefined> {
    checkKey(tenant, id);
    const row = this.statements.get.get(tenant, id);
    return row && toDocument<T>(row);
  }

  async getMany(tenant: string, ids: readonly string[]): Promise<StoredDocument<T>[]> {
    checkKeys(tenant, ids);
    if (ids.length === 0) return [];
    return this.statements.getMany.all(tenant, JSON.stringify(ids)).map((row) => toDocument<T>(row));
  }

  async replace(tenant: string, id: string, data: T, expectedVersion: number): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    const now = new Date().toISOString();
    const json = JSON.stringify(data);
    return this.commits.write(() => {
      const row = this.write(() => this.statements.replace.get(json, now, tenant, id, expectedVersion), id);
      if (!row) throw this.missOrConflict(tenant, id, expectedVersion);
      return { tenant, id, version: row.version, data, createdAt: row.created_at, updatedAt: now };
    });
  }

  async delete(tenant: string, id: string, expectedVersion?: number): Promise<boolean> {
    checkKey(tenant, id);
    return this.commits.write(() => {
      if (expectedVersion === undefined) return this.statements.delete.run(tenant, id).changes > 0;
      if (this.statements.deleteVersion.run(tenant, id, expectedVersion).changes > 0) return true;
      const error = this.missOrConflict(tenant, id, expectedVersion);
      if (error instanceof DocumentNotFoundError) return false;
      throw error;
    });
  }

  async find(tenant: string, filter: Filter, page: PageRequest): Promise<Page<T>> {
    checkPage(page);
    const { where, params } = this.where(tenant, filter, page.ids);
    const desc = page.order === 'desc';
    if (page.cursor !== undefined) {
      where.push(desc ? 'id < ?' : 'id > ?');
      params.push(cursor.decode(page.cursor));
    }
    // The limit is written into the statement (checkPage made it an integer): SQLite (with STAT4) plans by a bound
    // LIMIT's value, so binding one recompiled the statement at every run, 9 µs of a 10 µs query.
    const rows = this.prepared<Row>(
      `SELECT * FROM "${this.table}" WHERE ${where.join(' AND ')} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT ${page.limit + 1}`,
    ).all(...params);
    return pageOf(
      rows.map((r) => toDocument<T>(r)),
      page.limit,
    );
  }

  async count(tenant: string, filter: Filter, ids?: IdRange): Promise<number> {
    const { where, params } = this.where(tenant, filter, ids);
    const row = this.prepared<{ n: number }>(
      `SELECT COUNT(*) AS n FROM "${this.table}" WHERE ${where.join(' AND ')}`,
    ).get(...params);
    return row?.n ?? 0;
  }

  /** Queries differ only by filter shape, so their statements are kept (preparing one costs more than running it). */
  private prepared<R>(sql: string): Database.Statement<unknown[], R> {
    let statement = this.queries.get(sql);
    if (!statement) {
      if (this.queries.size >= 256) this.queries.clear(); // `in` lists of many lengths: stay bounded
      statement = this.db.prepare<unknown[], unknown>(sql);
      this.queries.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], R>;
  }

  private where(tenant: string, filter: Filter, ids?: IdRange): { where: string[]; params: unknown[] } {
    checkQuery(tenant, filter);
    const where = ['tenant = ?'];
    const params: unknown[] = [tenant];
    if (ids?.from !== undefined) {
      where.push('id >= ?');
      params.push(ids.from);
    }
    if (ids?.to !== undefined) {
      where.push('id < ?');
      params.push(ids.to);
    }
    for (const [path, condition] of Object.entries(filter)) {
      const column = `json_extract(data, '$.${path}')`;
      const values: readonly Scalar[] = isIn(condition) ? condition.in : [condition];
      const nulls = values.some((v) => v === null);
      const others = values.filter((v) => v !== null);
      const terms = [
        ...(others.length ? [`${column} IN (${others.map(() => '?').join(', ')})`] : []),
        ...(nulls ? [`${column} IS NULL`] : []),
      ];
      where.push(terms.length ? `(${terms.join(' OR ')})` : '0');
      params.push(...others.map(sqlValue));
    }
    return { where, params };
  }

  private write<R>(run: () => R, id: string): R {
    try {
      return run();
    } catch (error) {
      // By its code, not `instanceof SqliteError`: the native addon keeps the error class of the module instance that
      // loaded it first, and a second Jest test file has other classes (and another `Error`).
      if (isConstraintError(error)) {
        throw new DuplicateKeyError(
          this.spec.name,
          /PRIMARY KEY|\.id$/.test(error.message) ? `id ${id}` : uniqueIndexOf(error.message),
        );
      }
      throw error;
    }
  }

  private missOrConflict(tenant: string, id: string, expectedVersion: number): Error {
    return this.statements.get.get(tenant, id)
      ? new VersionConflictError(this.spec.name, id, expectedVersion)
      : new DocumentNotFoundError(this.spec.name, id);
  }
}

function isIn(condition: Filter[string]): condition is { readonly in: readonly Scalar[] } {
  return condition !== null && typeof condition === 'object';
}

/** json_extract yields 1/0 for JSON booleans; better-sqlite3 binds no booleans. */
function sqlValue(v: Scalar): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function uniqueIndexOf(message: string): string {
  return `unique index (${message.replace(/^UNIQUE constraint failed: /, '')})`;
}

function toDocument<T>(row: Row): StoredDocument<T> {
  return {
    tenant: row.tenant,
    id: row.id,
    version: row.version,
    data: JSON.parse(row.data) as T,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isConstraintError(error: unknown): error is { code: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT') && typeof message === 'string';
}
