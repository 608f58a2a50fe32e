import {
  type DeviceLifecyclePush,
  type DeviceObject,
  formatCompactUtc,
  formatMillisUtc,
} from '@nidus/contracts';
import type { DeviceDto, DeviceSummaryDto } from './device.dto';
import { type StoredConnection, type StoredDevice, statusOf } from './device.schema';

/** What a response shows beside the stored devices, looked up once per response. */
export interface DeviceContext {
  app(appId: string): string;
  product(appId: string, productId: string): string;
  connection(deviceId: string): StoredConnection | undefined;
}

export function toDeviceSummary(d: StoredDevice, context: DeviceContext): DeviceSummaryDto {
  return {
    app_id: d.app_id,
    app_name: context.app(d.app_id),
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
    product_name: context.product(d.app_id, d.product_id),
    status: statusOf(d, context.connection(d.device_id)),
    tags: d.tags.map((t) => ({ ...t })),
  };
}

/** The device detail; `plainSecret` only in the answer to create (spec 05 §3.3: the secret is shown once). */
export function toDeviceDto(d: StoredDevice, context: DeviceContext, plainSecret?: string): DeviceDto {
  const connection = context.connection(d.device_id);
  return {
    ...toDeviceSummary(d, context),
    auth_info: {
      auth_type: d.auth.auth_type,
      ...(plainSecret === undefined ? {} : { secret: plainSecret }),
      ...(d.auth.fingerprint === undefined ? {} : { fingerprint: d.auth.fingerprint }),
      secure_access: d.auth.secure_access,
      timeout: d.auth.timeout,
    },
    create_time: formatCompactUtc(d.created_at),
    connection_status_update_time: connection ? formatMillisUtc(connection.updated_at) : null,
    active_time: connection?.active_at === undefined ? null : formatMillisUtc(connection.active_at),
    modules: [],
    extension_info: d.extension_info ?? {},
  };
}

/** The device object of `device` pushes (spec 03 §6.4.7): never a secret or fingerprint. */
export function toDeviceObject(d: StoredDevice, context: DeviceContext): DeviceObject {
  return {
    ...toDeviceSummary(d, context),
    auth_info: { auth_type: d.auth.auth_type, secure_access: d.auth.secure_access, timeout: d.auth.timeout },
    create_time: formatCompactUtc(d.created_at),
    extension_info: d.extension_info ?? {},
  };
}

/** The `device` / `create` or `update` push body (spec 03 §6.4.7): the device object. */
export function toDeviceChangedPush(
  event: 'create' | 'update',
  d: StoredDevice,
  context: DeviceContext,
  now: number,
): DeviceLifecyclePush {
  return {
    resource: 'device',
    event,
    event_time: formatCompactUtc(now),
    notify_data: { body: toDeviceObject(d, context) },
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
