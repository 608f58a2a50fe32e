import { Inject, Injectable } from '@nestjs/common';
import { type DeviceLifecyclePush, deviceLifecycleChangedV1 } from '@nidus/contracts';
import { RecordIdGenerator, defaultDeviceId, generateDeviceSecret, recordIdRange } from '@nidus/domain-ids';
import type { EventBus } from '@nidus/messaging-core';
import {
  DuplicateKeyError,
  type Filter,
  type IdRange,
  type StoredDocument,
  VersionConflictError,
} from '@nidus/persistence-core';
import { CountCache, IotdaApiError, type MarkerPaging, findMarkerPage } from '@nidus/platform-iotda-http';
import { CLOCK, EVENT_BUS, SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import type { SecretBox } from '@nidus/platform-secrets';
import type { Clock } from '@nidus/ports';
import { ProductService } from '../products/product.service';
import type { StoredProduct } from '../products/product.schema';
import { publishLifecycle } from '../registry.events';
import {
  REGISTRY_STORE,
  type RegistryStore,
  findProjectDevice,
  instanceTenant,
  requireProjectDevice,
} from '../registry.store';
import { DeviceLogService } from '../device-logs/device-log.service';
import { ResourceSpaceService } from '../resource-spaces/resource-space.service';
import type { AddDevice, ListDevicesQuery, ResetSecret, UpdateDevice } from './device.dto';
import { type DeviceContext, toDeviceChangedPush, toDeviceDeletedPush } from './device.mapper';
import type { StoredAuth, StoredConnection, StoredDevice } from './device.schema';

const maxSubDeviceDepth = 2; // spec 02 §2.3
const orphanClaimMs = 60_000; // a create takes milliseconds; a claim this old without its device is left over

/** Devices (spec 02 §2.3–§2.4, §3.2; spec 05 §3.3). */
@Injectable()
export class DeviceService {
  private readonly ids: RecordIdGenerator;
  private readonly secrets: SecretBox;
  private readonly counts: CountCache;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_RUNTIME) runtime: ServiceRuntime,
    private readonly products: ProductService,
    private readonly spaces: ResourceSpaceService,
    private readonly logs: DeviceLogService,
  ) {
    this.ids = new RecordIdGenerator(clock);
    this.secrets = runtime.secrets;
    this.counts = new CountCache(() => clock.now());
  }

  /** Registers a device: product → identity → credentials → parent → index → store → event. */
  async create(project: string, body: AddDevice) {
    const product = (await this.products.find(project, body.product_id, body.app_id)).data;
    const deviceId = body.device_id ?? defaultDeviceId(product.product_id, body.node_id);
    const { auth, plainSecret } = this.credentialsFor(product, body);
    const parent = await this.parentOf(project, deviceId, body.gateway_id);
    checkInitialDesired(product, body.shadow);
    const recordId = this.ids.next();
    const device: StoredDevice = {
      device_id: deviceId,
      node_id: body.node_id,
      product_id: product.product_id,
      app_id: product.app_id, // a device lives in its product's space (spec 02 §2.3)
      parent_id: parent?.device_id ?? null,
      root_id: parent ? (parent.root_id ?? parent.device_id) : null,
      depth: parent ? parent.depth + 1 : 0,
      ...(body.device_name === undefined ? {} : { device_name: body.device_name }),
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.extension_info === undefined ? {} : { extension_info: body.extension_info }),
      auth,
      frozen: false,
      tags: [],
      ...(body.shadow ? { initial_desired: body.shadow } : {}),
      created_at: this.clock.now(),
    };
    await this.claimDeviceId(project, deviceId, recordId);
    let stored: StoredDocument<StoredDevice>;
    try {
      stored = await this.store.devices.insert(project, recordId, device);
    } catch (error) {
      await this.store.deviceIndex.delete(instanceTenant, deviceId);
      if (error instanceof DuplicateKeyError)
        throw new IotdaApiError('NODE_ID_EXISTS', `node_id ${body.node_id} in product ${product.product_id}`);
      throw error;
    }
    this.counts.forget(project);
    const context = await this.contextFor(project, [stored]);
    await this.publish(project, device, toDeviceChangedPush('create', device, context, this.clock.now()));
    return { device, context, plainSecret };
  }

  /** By the instance-wide index, then by record id: two key lookups, which every store answers from its key. */
  find(project: string, deviceId: string): Promise<StoredDocument<StoredDevice>> {
    return requireProjectDevice(this.store, project, deviceId);
  }

  async show(project: string, deviceId: string) {
    const found = await this.find(project, deviceId);
    return { device: found.data, context: await this.contextFor(project, [found]) };
  }

  async list(project: string, query: ListDevicesQuery, paging: MarkerPaging) {
    const filter: Record<string, string | null> = {};
    if (query.app_id) filter['app_id'] = query.app_id;
    if (query.product_id) filter['product_id'] = query.product_id;
    if (query.node_id) filter['node_id'] = query.node_id;
    if (query.device_name) filter['device_name'] = query.device_name;
    if (query.gateway_id) Object.assign(filter, await this.childrenFilter(project, query));
    const ids = timeRange(query);
    const page = await findMarkerPage(
      this.store.devices,
      project,
      { filter, ...(ids ? { ids } : {}), counts: this.counts },
      paging,
    );
    return { ...page, context: await this.contextFor(project, page.items) };
  }

  async update(project: string, deviceId: string, body: UpdateDevice) {
    const current = await this.find(project, deviceId);
    const device: StoredDevice = {
      ...current.data,
      ...(body.device_name === undefined ? {} : { device_name: body.device_name }),
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.extension_info === undefined ? {} : { extension_info: body.extension_info }),
      auth: { ...current.data.auth, ...body.auth_info },
    };
    return this.save(project, current, device);
  }

  /** Refused while the device is the gateway of sub-devices (spec 05 §3.3.5). */
  async delete(project: string, deviceId: string): Promise<void> {
    const current = await this.find(project, deviceId);
    const children = await this.store.devices.count(project, { parent_id: deviceId });
    if (children > 0) throw new IotdaApiError('DEVICE_HAS_CHILDREN', `${children} sub-device(s).`);
    await this.store.devices.delete(project, current.id);
    await this.store.deviceIndex.delete(instanceTenant, deviceId);
    await this.store.connections.delete(project, current.id);
    await this.logs.deleteAll(project, deviceId);
    this.counts.forget(project);
    await this.publish(project, current.data, toDeviceDeletedPush(current.data, this.clock.now()));
  }

  /** A new primary or secondary secret, given or generated, returned once (spec 05 §3.3.6). */
  async resetSecret(project: string, deviceId: string, body: ResetSecret) {
    const current = await this.find(project, deviceId);
    if (current.data.auth.auth_type !== 'SECRET')
      throw new IotdaApiError('AUTH_TYPE_MISMATCH', 'The device authenticates with a certificate.');
    const product = await this.products.find(project, current.data.product_id, current.data.app_id);
    const secret = body.secret ?? generateDeviceSecret();
    checkSecretFor(product.data, secret);
    const field = body.secret_type === 'PRIMARY' ? 'secret' : 'secondary_secret';
    await this.save(project, current, {
      ...current.data,
      auth: { ...current.data.auth, [field]: this.secrets.seal(secret) },
    });
    return { device_id: deviceId, secret, secret_type: body.secret_type };
  }

  /** Only directly connected devices can be frozen (spec 02 §3.2). */
  async freeze(project: string, deviceId: string, frozen: boolean): Promise<void> {
    const current = await this.find(project, deviceId);
    if (current.data.parent_id !== null)
      throw new IotdaApiError('FREEZE_NOT_SUPPORTED_FOR_SUBDEVICE', `device_id ${deviceId}`);
    if (current.data.frozen === frozen)
      throw new IotdaApiError(
        frozen ? 'DEVICE_ALREADY_FROZEN' : 'DEVICE_NOT_FROZEN',
        `device_id ${deviceId}`,
      );
    await this.save(project, current, { ...current.data, frozen });
  }

  private async save(project: string, current: StoredDocument<StoredDevice>, device: StoredDevice) {
    const stored = await this.store.devices.replace(project, current.id, device, current.version);
    this.counts.forget(project); // a filter may match the device now, or no longer
    const context = await this.contextFor(project, [stored]);
    await this.publish(project, device, toDeviceChangedPush('update', device, context, this.clock.now()));
    return { device, context };
  }

  private credentialsFor(
    product: StoredProduct,
    body: AddDevice,
  ): { auth: StoredAuth; plainSecret?: string } {
    const info = body.auth_info ?? { auth_type: 'SECRET' as const, secure_access: true, timeout: 0 };
    const base = { auth_type: info.auth_type, secure_access: info.secure_access, timeout: info.timeout };
    if (info.auth_type === 'CERTIFICATES') {
      if (product.protocol_type !== 'MQTT')
        throw new IotdaApiError('AUTH_TYPE_NOT_SUPPORTED', `protocol_type ${product.protocol_type}`);
      return {
        auth: { ...base, ...(info.fingerprint ? { fingerprint: info.fingerprint.toLowerCase() } : {}) },
      };
    }
    const plainSecret = info.secret ?? generateDeviceSecret();
    checkSecretFor(product, plainSecret);
    return { auth: { ...base, secret: this.secrets.seal(plainSecret) }, plainSecret };
  }

  private async parentOf(project: string, deviceId: string, gatewayId: string | undefined) {
    if (gatewayId === undefined || gatewayId === deviceId) return undefined;
    const parent = (await findProjectDevice(this.store, project, gatewayId))?.data;
    if (!parent) throw new IotdaApiError('GATEWAY_NOT_FOUND', `gateway_id ${gatewayId}`);
    if (parent.depth + 1 > maxSubDeviceDepth)
      throw new IotdaApiError('SUBDEVICE_DEPTH_EXCEEDED', `gateway_id ${gatewayId}`);
    return parent;
  }

  /**
   * A device id is unique in the instance, not only in its project (spec 02 §2.3). A claim whose device never got
   * stored (the process stopped between the two writes) is taken over once it is a minute old.
   */
  private async claimDeviceId(project: string, deviceId: string, recordId: string): Promise<void> {
    const location = { project_id: project, record_id: recordId };
    try {
      await this.store.deviceIndex.insert(instanceTenant, deviceId, location);
      return;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
    const claim = await this.store.deviceIndex.get(instanceTenant, deviceId);
    const orphaned =
      claim !== undefined &&
      this.clock.now() - Date.parse(claim.createdAt) > orphanClaimMs &&
      !(await this.store.devices.get(claim.data.project_id, claim.data.record_id));
    const taken = new IotdaApiError('DEVICE_ID_EXISTS', `device_id ${deviceId}`);
    if (!orphaned) throw taken;
    await this.store.deviceIndex
      .replace(instanceTenant, deviceId, location, claim.version)
      .catch((error: unknown) => {
        throw error instanceof VersionConflictError ? taken : error; // another create took it over first
      });
  }

  /** Direct children of a gateway, or with `is_cascade_query` every descendant (spec 05 §3.3.2). */
  private async childrenFilter(project: string, query: ListDevicesQuery): Promise<Filter> {
    const gatewayId = query.gateway_id!;
    if (!query.is_cascade_query) return { parent_id: gatewayId };
    const gateway = await findProjectDevice(this.store, project, gatewayId);
    return gateway?.data.parent_id === null ? { root_id: gatewayId } : { parent_id: gatewayId };
  }

  /** Names of the devices' spaces and products, and their connection states. */
  private async contextFor(
    project: string,
    devices: readonly Pick<StoredDocument<StoredDevice>, 'id' | 'data'>[],
  ): Promise<DeviceContext> {
    const [apps, connections] = await Promise.all([
      this.spaces.names(
        project,
        devices.map((d) => d.data.app_id),
      ),
      this.store.connections.getMany(
        project,
        devices.map((d) => d.id),
      ),
    ]);
    const products = new Map<string, string>();
    for (const { data: d } of devices) {
      const key = `${d.app_id}/${d.product_id}`;
      if (!products.has(key))
        products.set(key, (await this.products.nameOf(project, d.app_id, d.product_id)) ?? '');
    }
    const deviceIdOf = new Map(devices.map((d) => [d.id, d.data.device_id]));
    const states = new Map<string, StoredConnection>(connections.map((c) => [deviceIdOf.get(c.id)!, c.data]));
    return {
      app: (appId) => apps.get(appId) ?? '',
      product: (appId, productId) => products.get(`${appId}/${productId}`) ?? '',
      connection: (deviceId) => states.get(deviceId),
    };
  }

  private async publish(project: string, d: StoredDevice, data: DeviceLifecyclePush) {
    await publishLifecycle(this.bus, deviceLifecycleChangedV1, {
      subject: d.device_id,
      tenant: project,
      appid: d.app_id,
      data,
    });
  }
}

/** LwM2M/CoAP devices take hexadecimal secrets only (spec 02 §2.3). */
function checkSecretFor(product: StoredProduct, secret: string): void {
  if (product.protocol_type === 'CoAP' && !/^[0-9a-fA-F]+$/.test(secret))
    throw new IotdaApiError('INVALID_PARAMETER', 'secret: a CoAP device secret is hexadecimal.');
}

/** Initial desired values name services of the product's model (spec 05 §3.3.1). */
function checkInitialDesired(product: StoredProduct, shadow: AddDevice['shadow']): void {
  for (const entry of shadow ?? []) {
    if (!product.service_capabilities.some((s) => s.service_id === entry.service_id))
      throw new IotdaApiError(
        'INVALID_PARAMETER',
        `shadow: service ${entry.service_id} is not in the product model.`,
      );
  }
}

/** `start_time`/`end_time` filter on registration time, which record ids carry (spec 05 §3.3.2, §1.5). */
function timeRange(query: ListDevicesQuery): IdRange | undefined {
  const { start_time: start, end_time: end } = query;
  if (start !== undefined && end !== undefined && start > end)
    throw new IotdaApiError('INVALID_TIME_RANGE', 'start_time is after end_time.');
  return recordIdRange(start, end);
}
