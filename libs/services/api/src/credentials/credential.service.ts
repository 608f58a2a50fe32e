import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { deploymentTenant } from '@nidus/contracts';
import { type DocumentCollection, DuplicateKeyError, VersionConflictError } from '@nidus/persistence-core';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { TtlCache } from '@nidus/ports';
import type {
  IssuedCredentials,
  Principal,
  StoredAccessKey,
  StoredProject,
  StoredToken,
} from './credential.schema';

export const API_STORE = Symbol('API_STORE');

export interface ApiStore {
  readonly projects: DocumentCollection<StoredProject>;
  readonly accessKeys: DocumentCollection<StoredAccessKey>;
  readonly tokens: DocumentCollection<StoredToken>;
}

/** Projects, access keys and tokens are instance-wide: one tenant holds them all. */
export const instanceTenant = deploymentTenant;

const cacheTtlMs = 30_000; // a disabled key or token stops working within this
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random text from `alphabet` (rejection sampling keeps it uniform). */
export function randomText(length: number, alphabet = ALNUM): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length) && out.length < length)
        out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** New credentials: an AK of 20 upper-case letters and digits (as IoTDA's), a 40-character SK, a 48-character token. */
export const newCredential = {
  accessKey: () => randomText(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  secretKey: () => randomText(40),
  token: () => randomText(48),
  projectId: () => randomText(32, '0123456789abcdef'),
};

/** Access keys and tokens of the application API (spec 05 §2, §2.8; spec 04 §5.7 in its simplest form). */
@Injectable()
export class CredentialService {
  /** Every signed request asks for its key, every token request for its token: both are remembered briefly. */
  private readonly keys: TtlCache<{ key: StoredAccessKey; plain: string }>;
  private readonly tokens: TtlCache<Principal>;

  constructor(
    @Inject(API_STORE) private readonly store: ApiStore,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
  ) {
    const now = () => runtime.clock.now();
    this.keys = new TtlCache(now, cacheTtlMs);
    this.tokens = new TtlCache(now, cacheTtlMs);
  }

  /** The SK of an access key, or undefined if unknown. */
  async secretOf(accessKey: string): Promise<string | undefined> {
    return (await this.accessKey(accessKey))?.plain;
  }

  async principalOfKey(accessKey: string): Promise<Principal | undefined> {
    const found = await this.accessKey(accessKey);
    return found && { projectId: found.key.project_id, admin: found.key.admin };
  }

  principalOfToken(token: string): Promise<Principal | undefined> {
    const id = tokenHash(token);
    return this.tokens.get(id, async () => {
      const doc = await this.store.tokens.get(instanceTenant, id);
      return doc && { projectId: doc.data.project_id, admin: doc.data.admin };
    });
  }

  /** A new project with its own (non-admin) access key and token, each shown once. */
  async createProject(name: string): Promise<IssuedCredentials> {
    const projectId = newCredential.projectId();
    const project: StoredProject = {
      project_id: projectId,
      name,
      default_project: false,
      created_at: this.runtime.clock.now(),
    };
    await this.store.projects.insert(instanceTenant, projectId, project);
    return this.issue(projectId, false);
  }

  async listProjects(): Promise<StoredProject[]> {
    const page = await this.store.projects.find(instanceTenant, {}, { limit: 1000 });
    return page.items.map((d) => d.data);
  }

  /** Stores an access key and a token for a project; the plain values are returned, never stored. */
  async issue(projectId: string, admin: boolean): Promise<IssuedCredentials> {
    const credentials = {
      project_id: projectId,
      access_key: newCredential.accessKey(),
      secret_key: newCredential.secretKey(),
      token: newCredential.token(),
    };
    await this.putAccessKey(credentials.access_key, projectId, credentials.secret_key, admin);
    await this.putToken(credentials.token, projectId, admin);
    return credentials;
  }

  async putAccessKey(accessKey: string, projectId: string, secretKey: string, admin: boolean): Promise<void> {
    const key: StoredAccessKey = {
      project_id: projectId,
      secret: this.runtime.secrets.seal(secretKey),
      admin,
      created_at: this.runtime.clock.now(),
    };
    await this.upsert(this.store.accessKeys, accessKey, key);
    this.keys.forget(accessKey);
  }

  async putToken(token: string, projectId: string, admin: boolean): Promise<void> {
    const doc: StoredToken = { project_id: projectId, admin, created_at: this.runtime.clock.now() };
    await this.upsert(this.store.tokens, tokenHash(token), doc);
    this.tokens.forget(tokenHash(token));
  }

  private async upsert<T extends object>(
    collection: DocumentCollection<T>,
    id: string,
    data: T,
  ): Promise<void> {
    try {
      await collection.insert(instanceTenant, id, data);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const current = await collection.get(instanceTenant, id);
      // Another api replica starting with the same settings may write it at the same moment: either write will do.
      if (current)
        await collection.replace(instanceTenant, id, data, current.version).catch((conflict: unknown) => {
          if (!(conflict instanceof VersionConflictError)) throw conflict;
        });
    }
  }

  private accessKey(accessKey: string) {
    return this.keys.get(accessKey, async () => {
      const doc = await this.store.accessKeys.get(instanceTenant, accessKey);
      return doc && { key: doc.data, plain: this.runtime.secrets.open(doc.data.secret) };
    });
  }
}
