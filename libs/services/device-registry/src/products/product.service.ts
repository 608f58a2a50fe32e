import { Inject, Injectable } from '@nestjs/common';
import { productLifecycleChangedV1 } from '@nidus/contracts';
import { RecordIdGenerator } from '@nidus/domain-ids';
import type { EventBus } from '@nidus/messaging-core';
import { DuplicateKeyError, type Filter, type StoredDocument } from '@nidus/persistence-core';
import { IotdaApiError, type MarkerPaging, findMarkerPage } from '@nidus/platform-iotda-http';
import { CLOCK, EVENT_BUS } from '@nidus/platform-runtime';
import { type Clock, TtlCache } from '@nidus/ports';
import { publishLifecycle } from '../registry.events';
import { REGISTRY_STORE, type RegistryStore } from '../registry.store';
import { ResourceSpaceService, namesTtlMs } from '../resource-spaces/resource-space.service';
import type { AddProduct, ListProductsQuery, UpdateProduct } from './product.dto';
import { toProductPush } from './product.mapper';
import type { StoredProduct } from './product.schema';

/** Products and their models (spec 02 §2.1–§2.2, §3.1; spec 05 §3.2). */
@Injectable()
export class ProductService {
  private readonly ids: RecordIdGenerator;
  private readonly names: TtlCache<string>;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly spaces: ResourceSpaceService,
  ) {
    this.ids = new RecordIdGenerator(clock);
    this.names = new TtlCache(() => clock.now(), namesTtlMs);
  }

  /** The name of a product, for answers about its devices. */
  nameOf(project: string, appId: string, productId: string): Promise<string | undefined> {
    return this.names.get(`${project}/${appId}/${productId}`, async () => {
      const { items } = await this.store.products.find(
        project,
        { app_id: appId, product_id: productId },
        { limit: 1 },
      );
      return items[0]?.data.name;
    });
  }

  async create(project: string, body: AddProduct): Promise<{ product: StoredProduct; appName: string }> {
    const app = await this.spaces.resolve(project, body.app_id);
    checkProtocol(body.protocol_type, body.data_format);
    const recordId = this.ids.next();
    const { app_id: _, product_id, ...fields } = body;
    const product: StoredProduct = {
      ...fields,
      product_id: product_id ?? recordId, // generated ids are 24 hex characters (spec 02 §2.1)
      app_id: app.app_id,
      created_at: this.clock.now(),
    };
    await this.unique(project, product, () => this.store.products.insert(project, recordId, product));
    await this.publish(project, 'create', product, app.app_name);
    return { product, appName: app.app_name };
  }

  async list(project: string, query: ListProductsQuery, paging: MarkerPaging) {
    const filter = {
      ...(query.app_id ? { app_id: query.app_id } : {}),
      ...(query.product_name ? { name: query.product_name } : {}),
    };
    const page = await findMarkerPage(this.store.products, project, { filter }, paging);
    const names = await this.spaces.names(
      project,
      page.items.map((i) => i.data.app_id),
    );
    return { ...page, names };
  }

  /**
   * The product a request names. With `app_id`, the one in that space; without, the one in the default space, else
   * the earliest created (spec 05 §3.2.3 notes).
   */
  async find(project: string, productId: string, appId?: string): Promise<StoredDocument<StoredProduct>> {
    const filter: Filter = appId ? { product_id: productId, app_id: appId } : { product_id: productId };
    const { items } = await this.store.products.find(project, filter, { limit: 20, order: 'asc' });
    const defaultAppId = this.spaces.defaultAppId(project);
    const found = items.find((p) => p.data.app_id === defaultAppId) ?? items[0];
    if (!found) throw new IotdaApiError('PRODUCT_NOT_FOUND', `product_id ${productId}`);
    return found;
  }

  async show(project: string, productId: string, appId?: string) {
    const { data } = await this.find(project, productId, appId);
    return { product: data, appName: await this.appName(project, data.app_id) };
  }

  async update(project: string, productId: string, body: UpdateProduct) {
    const current = await this.find(project, productId, body.app_id);
    const { app_id: _, ...changes } = body;
    if (changes.protocol_type === 'CoAP' && current.data.protocol_type !== 'CoAP')
      throw new IotdaApiError('INVALID_PARAMETER', 'protocol_type: a product cannot be changed to CoAP.');
    const product: StoredProduct = { ...current.data, ...changes };
    checkProtocol(product.protocol_type, product.data_format);
    await this.unique(project, product, () =>
      this.store.products.replace(project, current.id, product, current.version),
    );
    this.names.forget(`${project}/${product.app_id}/${product.product_id}`);
    const appName = await this.appName(project, product.app_id);
    await this.publish(project, 'update', product, appName);
    return { product, appName };
  }

  /** Refused while devices remain (spec 02 §2.1, PRODUCT_HAS_DEVICES). */
  async delete(project: string, productId: string, appId?: string): Promise<void> {
    const current = await this.find(project, productId, appId);
    const devices = await this.store.devices.count(project, {
      app_id: current.data.app_id,
      product_id: current.data.product_id,
    });
    if (devices > 0) throw new IotdaApiError('PRODUCT_HAS_DEVICES', `${devices} device(s).`);
    await this.store.products.delete(project, current.id);
    this.names.forget(`${project}/${current.data.app_id}/${current.data.product_id}`);
    await this.publish(project, 'delete', current.data, await this.appName(project, current.data.app_id));
  }

  private async appName(project: string, appId: string): Promise<string> {
    return (await this.spaces.names(project, [appId])).get(appId) ?? '';
  }

  /** Writes, turning a unique-index clash into the IoTDA error that names what clashed. */
  private async unique(project: string, product: StoredProduct, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const sameId = await this.store.products.count(project, {
        app_id: product.app_id,
        product_id: product.product_id,
      });
      throw sameId > 0
        ? new IotdaApiError('PRODUCT_ID_EXISTS', `product_id ${product.product_id}`)
        : new IotdaApiError('PRODUCT_NAME_EXISTS', `name ${product.name}`);
    }
  }

  private async publish(
    project: string,
    event: 'create' | 'update' | 'delete',
    p: StoredProduct,
    appName: string,
  ) {
    await publishLifecycle(this.bus, productLifecycleChangedV1, {
      subject: p.product_id,
      tenant: project,
      appid: p.app_id,
      data: toProductPush(event, p, appName, this.clock.now()),
    });
  }
}

/** LwM2M/CoAP products carry binary data only (spec 02 §2.1). */
function checkProtocol(protocol: string, dataFormat: string): void {
  if (protocol === 'CoAP' && dataFormat !== 'binary')
    throw new IotdaApiError('INVALID_PARAMETER', 'data_format: a CoAP product must be binary.');
}
