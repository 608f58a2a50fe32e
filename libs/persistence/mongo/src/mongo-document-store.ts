import mongoose, { type Connection, type Model, Schema } from 'mongoose';
import { retryWhileBusy } from './busy-retry';
import { DocumentLocks, type WriteLock } from './document-locks';
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

/** One stored document: `_id` is `<tenant>:<id>` (tenants cannot contain ':'), the data under `data`. */
interface MongoDoc {
  _id: string;
  tenant: string;
  id: string;
  version: number;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface MongoDocumentStoreOptions {
  uri: string;
  /** Overrides the database named in the URI (one database per service in the distributed shape). */
  dbName?: string;
  /** Milliseconds to find a server before a call fails; default 10 000. */
  serverSelectionTimeoutMs?: number;
  /**
   * How `getMany` reads: one `$in` query (MongoDB), or a read by key each (FerretDB, which scans the collection for
   * `$in`). Default: by the server's build info.
   */
  getMany?: 'in-query' | 'key-reads';
}

/**
 * The document store over MongoDB via mongoose. Each store owns its own connection (`createConnection`) and registers
 * its models on it, never on mongoose's global connection, so two services share a process without sharing models.
 * Works against MongoDB 6+ and FerretDB v1 (docs/persistence/ferretdb.md lists what we avoid for it).
 */
export class MongoDocumentStore implements DocumentStore {
  private constructor(
    private readonly connection: Connection,
    /** FerretDB pushes only `_id` equality down to SQLite: `$in` scans the collection (ferretdb.md). */
    private readonly keyReadsOnly: boolean,
  ) {}

  static async connect(options: MongoDocumentStoreOptions): Promise<MongoDocumentStore> {
    const connection = mongoose.createConnection(options.uri, {
      dbName: options.dbName,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      autoIndex: false, // indexes are created explicitly in collection(), and awaited
      autoCreate: true,
    });
    await connection.asPromise();
    const build = (await connection.db!.admin().command({ buildInfo: 1 })) as { ferretdbVersion?: unknown };
    const getMany = options.getMany ?? (build.ferretdbVersion === undefined ? 'in-query' : 'key-reads');
    return new MongoDocumentStore(connection, getMany === 'key-reads');
  }

  async collection<T extends object>(spec: CollectionSpec): Promise<DocumentCollection<T>> {
    checkSpec(spec);
    const existing = this.connection.models[spec.name] as Model<MongoDoc> | undefined;
    const model = existing ?? this.connection.model<MongoDoc>(spec.name, schemaFor(spec), spec.name);
    if (!existing) await model.createIndexes();
    const locks = new DocumentLocks(this.connection.collection<WriteLock>(`${spec.name}__locks`), spec.name);
    return new MongoCollection<T>(model, spec, locks, this.keyReadsOnly);
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(async () => {
      await this.connection.db?.admin().ping();
      return {
        ok: this.connection.readyState === mongoose.ConnectionStates.connected,
        detail: this.connection.name,
      };
    });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function schemaFor(spec: CollectionSpec): Schema<MongoDoc> {
  const schema = new Schema<MongoDoc>(
    {
      _id: { type: String, required: true },
      tenant: { type: String, required: true },
      id: { type: String, required: true },
      version: { type: Number, required: true },
      data: { type: Schema.Types.Mixed, required: true },
      createdAt: { type: String, required: true },
      updatedAt: { type: String, required: true },
    },
    { versionKey: false, strict: true, minimize: false, collection: spec.name },
  );
  schema.index({ tenant: 1, id: 1 });
  for (const index of spec.indexes ?? []) {
    const keys = Object.fromEntries([['tenant', 1], ...index.fields.map((f) => [`data.${f}`, 1])]) as Record<
      string,
      1
    >;
    schema.index(keys, {
      unique: index.unique === true,
      name: `${spec.name}__${index.fields.join('_').replaceAll('.', '_')}`,
    });
  }
  return schema;
}

class MongoCollection<T> implements DocumentCollection<T> {
  constructor(
    private readonly model: Model<MongoDoc>,
    private readonly spec: CollectionSpec,
    private readonly locks: DocumentLocks,
    private readonly keyReadsOnly: boolean,
  ) {}

  async insert(tenant: string, id: string, data: T): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    const now = new Date().toISOString();
    const doc: MongoDoc = {
      _id: `${tenant}:${id}`,
      tenant,
      id,
      version: 1,
      data: data as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    };
    await this.write(() => this.model.collection.insertOne(doc as never), id);
    return toDocument<T>(doc);
  }

  async get(tenant: string, id: string): Promise<StoredDocument<T> | undefined> {
    checkKey(tenant, id);
    const doc = await this.model.findById(`${tenant}:${id}`).lean<MongoDoc>().exec();
    return doc ? toDocument<T>(doc) : undefined;
  }

  async getMany(tenant: string, ids: readonly string[]): Promise<StoredDocument<T>[]> {
    checkKeys(tenant, ids);
    const keys = [...new Set(ids)].map((id) => `${tenant}:${id}`);
    if (keys.length === 0) return [];
    const docs = this.keyReadsOnly
      ? (await Promise.all(keys.map((key) => this.model.findById(key).lean<MongoDoc>().exec()))).filter(
          (doc): doc is MongoDoc => doc !== null,
        )
      : await this.model
          .find({ _id: { $in: keys } })
          .lean<MongoDoc[]>()
          .exec();
    return docs.map((doc) => toDocument<T>(doc));
  }

  async replace(tenant: string, id: string, data: T, expectedVersion: number): Promise<StoredDocument<T>> {
    checkKey(tenant, id);
    checkUniqueFields(this.spec, data);
    return this.atVersion(tenant, id, expectedVersion, async (current) => {
      const next: MongoDoc = {
        ...current,
        data: data as Record<string, unknown>,
        version: expectedVersion + 1,
        updatedAt: new Date().toISOString(),
      };
      const { data: d, version, updatedAt } = next;
      const { matchedCount } = await this.write(
        () => this.model.updateOne({ _id: current._id }, { $set: { data: d, version, updatedAt } }).exec(),
        id,
      );
      if (matchedCount === 0) throw new DocumentNotFoundError(this.spec.name, id); // deleted unversioned meanwhile
      return toDocument<T>(next);
    });
  }

  async delete(tenant: string, id: string, expectedVersion?: number): Promise<boolean> {
    checkKey(tenant, id);
    const _id = `${tenant}:${id}`;
    const remove = async () =>
      (await retryWhileBusy(() => this.model.deleteOne({ _id }).exec())).deletedCount > 0;
    if (expectedVersion === undefined) return remove();
    try {
      return await this.atVersion(tenant, id, expectedVersion, remove);
    } catch (error) {
      if (error instanceof DocumentNotFoundError) return false;
      throw error;
    }
  }

  /** Runs `write` under the document's write lock if the stored version is the expected one (ADR 0004). */
  private atVersion<R>(
    tenant: string,
    id: string,
    expectedVersion: number,
    write: (current: MongoDoc) => Promise<R>,
  ): Promise<R> {
    const _id = `${tenant}:${id}`;
    return this.locks.holding(_id, async () => {
      const current = await this.model.findById(_id).lean<MongoDoc>().exec();
      if (!current) throw new DocumentNotFoundError(this.spec.name, id);
      if (current.version !== expectedVersion)
        throw new VersionConflictError(this.spec.name, id, expectedVersion);
      return write(current);
    });
  }

  async find(tenant: string, filter: Filter, page: PageRequest): Promise<Page<T>> {
    checkPage(page);
    const desc = page.order === 'desc';
    const query = this.query(tenant, filter, page.ids);
    if (page.cursor !== undefined)
      query['id'] = { ...(query['id'] as object), [desc ? '$lt' : '$gt']: cursor.decode(page.cursor) };
    const docs = await this.model
      .find(query)
      .sort({ id: desc ? -1 : 1 })
      .limit(page.limit + 1)
      .lean<MongoDoc[]>()
      .exec();
    return pageOf(
      docs.map((d) => toDocument<T>(d)),
      page.limit,
    );
  }

  async count(tenant: string, filter: Filter, ids?: IdRange): Promise<number> {
    return this.model.countDocuments(this.query(tenant, filter, ids)).exec();
  }

  private query(tenant: string, filter: Filter, ids?: IdRange): Record<string, unknown> {
    checkQuery(tenant, filter);
    const query: Record<string, unknown> = { tenant };
    if (ids?.from !== undefined || ids?.to !== undefined) {
      query['id'] = {
        ...(ids.from === undefined ? {} : { $gte: ids.from }),
        ...(ids.to === undefined ? {} : { $lt: ids.to }),
      };
    }
    for (const [path, condition] of Object.entries(filter)) {
      query[`data.${path}`] =
        condition !== null && typeof condition === 'object' ? { $in: condition.in as Scalar[] } : condition;
    }
    return query;
  }

  private async write<R>(run: () => Promise<R>, id: string): Promise<R> {
    try {
      return await retryWhileBusy(run);
    } catch (error) {
      if (isDuplicateKey(error)) {
        const message = error instanceof Error ? error.message : '';
        throw new DuplicateKeyError(
          this.spec.name,
          /index: _id_/.test(message) ? `id ${id}` : `unique index (${message})`,
        );
      }
      throw error;
    }
  }
}

/**
 * E11000 from MongoDB; FerretDB v1 reports a unique-index violation of an update as InternalError (code 1) carrying
 * SQLite's message instead (docs/persistence/ferretdb.md).
 */
function isDuplicateKey(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 11000 ||
    (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'))
  );
}

function toDocument<T>(doc: MongoDoc): StoredDocument<T> {
  return {
    tenant: doc.tenant,
    id: doc.id,
    version: doc.version,
    data: doc.data as T,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
