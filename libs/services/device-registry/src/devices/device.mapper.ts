import {
  type DeviceLifecyclePush,
  type DeviceObject,
  formatCompactUtc,
  formatMillisUtc,
} from '@nidus/contracts';
import type { DeviceDto, DeviceSummaryDto } from './device.dto';
import { type StoredDevice, statusOf } from './device.schema';

/** Resource-space and product names, looked up once per response. */
export interface DeviceNames {
  app(appId: string): string;
  product(appId: string, productId: string): string;
}

export function toDeviceSummary(d: StoredDevice, names: DeviceNames): DeviceSummaryDto {
  return {
    app_id: d.app_id,
    app_name: names.app(d.app_id),
    device_id: d.device_id,
    node_id: d.node_id,
    gateway_id: d.parent_id ?? d.device_id, // a directly connected device is its own gateway (spec 05 §3.3.1)
    device_name: d.device_name ?? null,
    node_type: d.parent_id ? 'ENDPOINT' : 'GATEWAY',
    description: d.description ?? null,
    fw_version: d.fw_version ?? null,
    sw_version: d.sw_version ?? null,
    device_sdk_version: d.device_sdk_version ?? null,
    product_id: d.product_id,
    product_name: names.product(d.app_id, d.product_id),
    status: statusOf(d),
    tags: d.tags.map((t) => ({ ...t })),
  };
}

/** The device detail; `plainSecret` only in the answer to create (spec 05 §3.3: the secret is shown once). */
export function toDeviceDto(d: StoredDevice, names: DeviceNames, plainSecret?: string): DeviceDto {
  return {
    ...toDeviceSummary(d, names),
    auth_info: {
      auth_type: d.auth.auth_type,
      ...(plainSecret === undefined ? {} : { secret: plainSecret }),
      ...(d.auth.fingerprint === undefined ? {} : { fingerprint: d.auth.fingerprint }),
      secure_access: d.auth.secure_access,
      timeout: d.auth.timeout,
    },
    create_time: formatCompactUtc(d.created_at),
    connection_status_update_time: d.connection ? formatMillisUtc(d.connection.updated_at) : null,
    active_time: d.active_at === undefined ? null : formatMillisUtc(d.active_at),
    modules: [],
    extension_info: d.extension_info ?? {},
  };
}

/** The device object of `device` pushes (spec 03 §6.4.7): never a secret or fingerprint. */
export function toDeviceObject(d: StoredDevice, names: DeviceNames): DeviceObject {
  return {
    ...toDeviceSummary(d, names),
    auth_info: { auth_type: d.auth.auth_type, secure_access: d.auth.secure_access, timeout: d.auth.timeout },
    create_time: formatCompactUtc(d.created_at),
    extension_info: d.extension_info ?? {},
  };
}

/** The `device` / `create` or `update` push body (spec 03 §6.4.7): the device object. */
export function toDeviceChangedPush(
  event: 'create' | 'update',
  d: StoredDevice,
  names: DeviceNames,
  now: number,
): DeviceLifecyclePush {
  return {
    resource: 'device',
    event,
    event_time: formatCompactUtc(now),
    notify_data: { body: toDeviceObject(d, names) },
  };
}

/** The `device` / `delete` push body (spec 03 §6.4.7): the device named in the header, an empty body. */
export function toDeviceDeletedPush(d: StoredDevice, now: number): DeviceLifecyclePush {
  return {
    resource: 'device',
    event: 'delete',
    event_time: formatCompactUtc(now),
    notify_data: {
      header: {
        app_id: d.app_id,
        device_id: d.device_id,
        node_id: d.node_id,
        product_id: d.product_id,
        gateway_id: d.parent_id ?? d.device_id,
      },
      body: {},
    },
  };
}
