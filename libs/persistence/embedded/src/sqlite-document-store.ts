import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { SqliteError } from 'better-sqlite3';
import {
  type CollectionSpec,
  type DocumentCollection,
  type DocumentStore,
  type Filter,
  type Page,
  type PageRequest,
  type Scalar,
  type StoredDocument,
  DocumentNotFoundError,
  DuplicateKeyError,
  VersionConflictError,
  checkKey,
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

/**
 * The embedded document store: one SQLite file per service under the data directory (better-sqlite3, WAL,
 * synchronous=FULL so a committed write survives a crash). A collection is a table keyed by (tenant, id) with the
 * document as JSON; indexes are expression indexes on json_extract of the indexed paths, led by the tenant.
 */
export class SqliteDocumentStore implements DocumentStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
  }

  async collection<T extends object>(spec: CollectionSpec): Promise<DocumentCollection<T>> {
    checkSpec(spec);
    const table = `doc_${spec.name}`;
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" (tenant TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
        data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (tenant, id)) WITHOUT ROWID`,
    );
    for (const index of spec.indexes ?? []) {
      const name = `${table}__${index.fields.join('_').replaceAll('.', '_')}`;
      const columns = index.fields.map((f) => `json_extract(data, '$.${f}')`).join(', ');
      this.db.exec(
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON "${table}" (tenant, ${columns})`,
      );
    }
    return new SqliteCollection<T>(this.db, spec, table);
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(async () => {
      this.db.prepare('SELECT 1').get();
      return { ok: true, detail: this.db.name };
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteCollection<T> implements DocumentCollection<T> {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly spec: CollectionSpec,
    private readonly table: string,
  ) {
    const t = `"${table}"`;
    this.statements = {
      insert: db.prepare(
        `INSERT INTO ${t} (tenant, id, version, data, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)`,
      ),
      get: db.prepare<[string, string], Row>(`SELECT * FROM ${t} WHERE tenant = ? AND id = ?`),
      replace: db.prepare(
        `UPDATE ${t} SET data = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?`,
      ),
      delete: db.prepare(`DELETE FROM ${t} WHERE tenant = ? AND id = ?`),
      deleteVersion: db.prepare(`DELETE FROM ${t} WHERE tenant = ? AND id = ? AND version = ?`),
    };
  }

  async insert(tenant: string, id: string, data: T): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    const now = new Date().toISOString();
    this.write(() => this.statements.insert.run(tenant, id, JSON.stringify(data), now, now), id);
    return { tenant, id, version: 1, data, createdAt: now, updatedAt: now };
  }

  async get(tenant: string, id: string): Promise<StoredDocument<T> | undefined> {
    checkKey(tenant, id);
    const row = this.statements.get.get(tenant, id);
    return row && toDocument<T>(row);
  }

  async replace(tenant: string, id: string, data: T, expectedVersion: number): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    const now = new Date().toISOString();
    const result = this.write(
      () => this.statements.replace.run(JSON.stringify(data), now, tenant, id, expectedVersion),
      id,
    );
    if (result.changes === 0) throw this.missOrConflict(tenant, id, expectedVersion);
    return toDocument<T>(this.statements.get.get(tenant, id)!);
  }

  async delete(tenant: string, id: string, expectedVersion?: number): Promise<boolean> {
    checkKey(tenant, id);
    if (expectedVersion === undefined) return this.statements.delete.run(tenant, id).changes > 0;
    if (this.statements.deleteVersion.run(tenant, id, expectedVersion).changes > 0) return true;
    const error = this.missOrConflict(tenant, id, expectedVersion);
    if (error instanceof DocumentNotFoundError) return false;
    throw error;
  }

  async find(tenant: string, filter: Filter, page: PageRequest): Promise<Page<T>> {
    checkPage(page);
    const { where, params } = this.where(tenant, filter);
    const desc = page.order === 'desc';
    if (page.cursor !== undefined) {
      where.push(desc ? 'id < ?' : 'id > ?');
      params.push(cursor.decode(page.cursor));
    }
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT * FROM "${this.table}" WHERE ${where.join(' AND ')} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
      )
      .all(...params, page.limit + 1);
    return pageOf(
      rows.map((r) => toDocument<T>(r)),
      page.limit,
    );
  }

  async count(tenant: string, filter: Filter): Promise<number> {
    const { where, params } = this.where(tenant, filter);
    const row = this.db
      .prepare<unknown[], { n: number }>(
        `SELECT COUNT(*) AS n FROM "${this.table}" WHERE ${where.join(' AND ')}`,
      )
      .get(...params);
    return row?.n ?? 0;
  }

  private where(tenant: string, filter: Filter): { where: string[]; params: unknown[] } {
    checkQuery(tenant, filter);
    const where = ['tenant = ?'];
    const params: unknown[] = [tenant];
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
      if (error instanceof SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
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
