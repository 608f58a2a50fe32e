import { deploymentTenant } from '@nidus/contracts';
import type { DocumentCollection, DocumentStore, StoredDocument } from '@nidus/persistence-core';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import type { StoredApp } from './resource-spaces/resource-space.schema';
import type { StoredProduct } from './products/product.schema';
import type { DeviceLocation, StoredConnection, StoredDevice } from './devices/device.schema';
import type { StoredDeviceLog } from './device-logs/device-log.schema';
import type { StoredGatewayInstance } from './gateway-instances/gateway-instance.schema';

/**
 * The registry's collections (ARCHITECTURE §3: the service owns them). Products and devices are keyed by record id,
 * so that marker paging walks them newest first (spec 05 §1.5); their public ids are unique indexes.
 */
export interface RegistryStore {
  readonly apps: DocumentCollection<StoredApp>;
  readonly products: DocumentCollection<StoredProduct>;
  readonly devices: DocumentCollection<StoredDevice>;
  /**
   * Connection states by device record id, written at every login and logout: one index, the gateway instance that
   * holds the device (to find its devices when it is gone).
   */
  readonly connections: DocumentCollection<StoredConnection>;
  /** The device gateway instances, by their CloudEvents source. */
  readonly gatewayInstances: DocumentCollection<StoredGatewayInstance>;
  /** `device_id` → project, across projects: a device id is unique in the instance (spec 02 §2.3). */
  readonly deviceIndex: DocumentCollection<DeviceLocation>;
  /** Device log reports, keyed by record id (newest first in marker paging). */
  readonly deviceLogs: DocumentCollection<StoredDeviceLog>;
}

export const REGISTRY_STORE = Symbol('REGISTRY_STORE');

/** The one tenant of the instance-wide device index. */
export const instanceTenant = deploymentTenant;

export async function openRegistryStore(documents: DocumentStore): Promise<RegistryStore> {
  return {
    apps: await documents.collection<StoredApp>({
      name: 'registry_apps',
      indexes: [{ fields: ['app_name'], unique: true }],
    }),
    products: await documents.collection<StoredProduct>({
      name: 'registry_products',
      indexes: [
        { fields: ['app_id', 'product_id'], unique: true },
        { fields: ['app_id', 'name'], unique: true },
        { fields: ['product_id'] },
      ],
    }),
    devices: await documents.collection<StoredDevice>({
      name: 'registry_devices',
      indexes: [
        { fields: ['device_id'], unique: true },
        { fields: ['app_id', 'product_id', 'node_id'], unique: true },
        { fields: ['product_id'] },
        { fields: ['parent_id'] },
        { fields: ['root_id'] },
        { fields: ['node_id'] },
        { fields: ['device_name'] },
      ],
    }),
    connections: await documents.collection<StoredConnection>({
      name: 'registry_device_connections',
      indexes: [{ fields: ['gateway'] }],
    }),
    gatewayInstances: await documents.collection<StoredGatewayInstance>({
      name: 'registry_gateway_instances',
    }),
    deviceIndex: await documents.collection<DeviceLocation>({ name: 'registry_device_index' }),
    deviceLogs: await documents.collection<StoredDeviceLog>({
      name: 'registry_device_logs',
      indexes: [{ fields: ['device_id'] }, { fields: ['device_id', 'type'] }],
    }),
  };
}

/** A device found by its id alone, wherever it lives: the instance-wide index, then its record (two key reads). */
export async function findDevice(
  store: RegistryStore,
  deviceId: string,
): Promise<{ project: string; device: StoredDocument<StoredDevice> } | undefined> {
  const location = await store.deviceIndex.get(instanceTenant, deviceId);
  if (!location) return undefined;
  const device = await store.devices.get(location.data.project_id, location.data.record_id);
  return device ? { project: location.data.project_id, device } : undefined;
}

/** The device of `project` with this id, if there is one (a device of another project is none). */
export async function findProjectDevice(
  store: RegistryStore,
  project: string,
  deviceId: string,
): Promise<StoredDocument<StoredDevice> | undefined> {
  const found = await findDevice(store, deviceId);
  return found?.project === project ? found.device : undefined;
}

/** The device of `project` with this id; IoTDA's DEVICE_NOT_FOUND (404) when there is none in the project. */
export async function requireProjectDevice(
  store: RegistryStore,
  project: string,
  deviceId: string,
): Promise<StoredDocument<StoredDevice>> {
  const found = await findProjectDevice(store, project, deviceId);
  if (!found) throw new IotdaApiError('DEVICE_NOT_FOUND', `device_id ${deviceId}`);
  return found;
}

/** The devices found among `deviceIds` (at most `maxGetMany`), each with its project: two queries per project. */
export async function findDevices(
  store: RegistryStore,
  deviceIds: readonly string[],
): Promise<{ project: string; device: StoredDocument<StoredDevice> }[]> {
  const locations = await store.deviceIndex.getMany(instanceTenant, deviceIds);
  const byProject = new Map<string, string[]>();
  for (const { data } of locations) {
    const records = byProject.get(data.project_id);
    if (records) records.push(data.record_id);
    else byProject.set(data.project_id, [data.record_id]);
  }
  const found = await Promise.all(
    [...byProject].map(async ([project, records]) =>
      (await store.devices.getMany(project, records)).map((device) => ({ project, device })),
    ),
  );
  return found.flat();
}
