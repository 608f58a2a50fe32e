import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DuplicateKeyError, type Filter } from '@nidus/persistence-core';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import { CLOCK } from '@nidus/platform-runtime';
import { type Clock, TtlCache } from '@nidus/ports';
import { REGISTRY_STORE, type RegistryStore } from '../registry.store';
import type { StoredApp } from './resource-space.schema';

/** RS-1 (spec 04 §3.1): at most 10 resource spaces per project, the default one included. */
export const maxResourceSpaces = 10;
export const defaultAppName = 'DefaultApp';

// Names that answers carry beside ids, remembered for 5 s: show_device would otherwise read the space (and the
// product) on every call. This replica forgets a name as soon as it changes it; another replica's change shows
// within the 5 s.
export const namesTtlMs = 5_000;

/** Resource spaces (spec 04 §3, spec 05 §3.1): one default per project, created on first use, never deleted. */
@Injectable()
export class ResourceSpaceService {
  /** Projects whose default space is known to exist (it is never deleted, so this cannot go stale). */
  private readonly ensured = new Set<string>();
  private readonly appNames: TtlCache<string>;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.appNames = new TtlCache(() => clock.now(), namesTtlMs);
  }

  /** The default space's id is derived from the project, so concurrent first requests create it once. */
  defaultAppId(project: string): string {
    return createHash('sha256').update(`default-app:${project}`).digest('hex').slice(0, 32);
  }

  async ensureDefault(project: string): Promise<void> {
    if (this.ensured.has(project)) return;
    const app: StoredApp = {
      app_id: this.defaultAppId(project),
      app_name: defaultAppName,
      default_app: true,
      created_at: this.clock.now(),
    };
    try {
      await this.store.apps.insert(project, app.app_id, app);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
    this.ensured.add(project);
  }

  async list(project: string, defaultApp?: boolean): Promise<StoredApp[]> {
    await this.ensureDefault(project);
    const filter: Filter = defaultApp === undefined ? {} : { default_app: defaultApp };
    const page = await this.store.apps.find(project, filter, { limit: maxResourceSpaces * 2 });
    return page.items.map((d) => d.data).sort((a, b) => a.created_at - b.created_at);
  }

  async get(project: string, appId: string): Promise<StoredApp> {
    await this.ensureDefault(project);
    const doc = await this.store.apps.get(project, appId);
    if (!doc) throw new IotdaApiError('RESOURCE_SPACE_NOT_FOUND', `app_id ${appId}`);
    return doc.data;
  }

  /** The space a request names, or the default one when it names none (spec 05 §3.1). */
  async resolve(project: string, appId: string | undefined): Promise<StoredApp> {
    return this.get(project, appId ?? this.defaultAppId(project));
  }

  /** Names of the given spaces, for responses that carry `app_name`. */
  async names(project: string, appIds: Iterable<string>): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(appIds)) {
      const name = await this.appNames.get(`${project}/${id}`, async () => {
        return (await this.store.apps.get(project, id))?.data.app_name;
      });
      if (name !== undefined) names.set(id, name);
    }
    return names;
  }

  async create(project: string, name: string): Promise<StoredApp> {
    await this.ensureDefault(project);
    if ((await this.store.apps.count(project, {})) >= maxResourceSpaces)
      throw new IotdaApiError('RESOURCE_SPACE_QUOTA_EXCEEDED', `At most ${maxResourceSpaces}.`);
    const app: StoredApp = {
      app_id: randomBytes(16).toString('hex'), // RS-4: 32 lower-case hex characters
      app_name: name,
      default_app: false,
      created_at: this.clock.now(),
    };
    await this.unique(() => this.store.apps.insert(project, app.app_id, app), name);
    return app;
  }

  async rename(project: string, appId: string, name: string | undefined): Promise<StoredApp> {
    const current = await this.store.apps.get(project, appId);
    if (!current) throw new IotdaApiError('RESOURCE_SPACE_NOT_FOUND', `app_id ${appId}`);
    if (name === undefined || name === current.data.app_name) return current.data;
    const app = { ...current.data, app_name: name };
    await this.unique(() => this.store.apps.replace(project, appId, app, current.version), name);
    this.appNames.forget(`${project}/${appId}`);
    return app;
  }

  /** RS-3: never the default space. A space that still holds products or devices is refused (see ADR 0007). */
  async delete(project: string, appId: string): Promise<void> {
    const app = await this.get(project, appId);
    if (app.default_app)
      throw new IotdaApiError('INVALID_PARAMETER', 'The default resource space cannot be deleted.');
    const [products, devices] = await Promise.all([
      this.store.products.count(project, { app_id: appId }),
      this.store.devices.count(project, { app_id: appId }),
    ]);
    if (products + devices > 0)
      throw new IotdaApiError('RESOURCE_SPACE_NOT_EMPTY', `${products} product(s), ${devices} device(s).`);
    await this.store.apps.delete(project, appId);
    this.appNames.forget(`${project}/${appId}`);
  }

  private async unique<R>(write: () => Promise<R>, name: string): Promise<R> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof DuplicateKeyError)
        throw new IotdaApiError('RESOURCE_SPACE_NAME_EXISTS', `app_name ${name}`);
      throw error;
    }
  }
}
