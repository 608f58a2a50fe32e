import {
  type DeviceAccess,
  type DownlinkKind,
  type TopicDefinition,
  type DownlinkRequested,
  createEvent,
  gatewayDownlinkTopic,
} from '@nidus/contracts';
import { type DeviceDirectory, type ModelIndex, modelIndexOf } from '@nidus/gateway-kit';
import { IotdaApiError, unavailable } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import type { DevicePresence } from './device-presence/device-presence';

// What the shadow service's slices share to reach a device: the registry's view of it, its product model, and the
// gateway instance's downlink topic (ADR 0010).

/** The device of this project, or 404 DEVICE_NOT_FOUND; 503 when the registry cannot be asked. */
export async function requireDevice(
  directory: DeviceDirectory,
  project: string,
  deviceId: string,
): Promise<DeviceAccess> {
  const access = await directory.device(deviceId).catch(unavailable);
  if (!access || access.project_id !== project)
    throw new IotdaApiError('DEVICE_NOT_FOUND', `Device ${deviceId}.`);
  return access;
}

/** The device's product model, indexed. */
export async function modelOf(directory: DeviceDirectory, access: DeviceAccess): Promise<ModelIndex> {
  const product = await directory.product(access).catch(unavailable);
  if (!product) throw new IotdaApiError('PRODUCT_NOT_FOUND', `Product ${access.product_id}.`);
  return modelIndexOf(product);
}

/** The directly connected device a downlink for `access` goes to: itself, or the gateway of a sub-device. */
export function connectedDeviceOf(access: DeviceAccess): string {
  return access.direct ? access.device_id : access.gateway_id;
}

/**
 * The downlink topic of the gateway instance holding the device's connection (ADR 0010), or undefined while the
 * device is not online.
 */
export async function holderTopicOf(
  presence: DevicePresence,
  access: DeviceAccess,
): Promise<TopicDefinition<DownlinkRequested> | undefined> {
  const holder = await presence.holderOf(connectedDeviceOf(access));
  return holder === undefined ? undefined : gatewayDownlinkTopic(holder);
}

/**
 * Publishes a `request_id` downlink for `access` on a gateway instance's topic; a sub-device's goes to its gateway with
 * `object_device_id`. The gateway drops it after `ttlMs`.
 */
export function publishDownlink(
  runtime: ServiceRuntime,
  topic: TopicDefinition<DownlinkRequested>,
  access: DeviceAccess,
  downlink: {
    kind: DownlinkKind;
    requestId: string;
    body: Record<string, unknown>;
    ttlMs: number;
    /** Exact bytes instead of `body`, and a topic other than the kind's (messages). */
    payloadBase64?: string;
    topic?: string;
    /** Asks the gateway for a receipt (`iot.device.downlink-delivered.v1`). */
    receipt?: boolean;
  },
): Promise<void> {
  const target = connectedDeviceOf(access);
  return runtime.bus.publish(topic, [
    createEvent({
      type: topic.type,
      source: 'nidus/shadow',
      subject: target,
      tenant: access.project_id,
      appid: access.app_id,
      data: {
        device_id: target,
        kind: downlink.kind,
        request_id: downlink.requestId,
        body: access.direct ? downlink.body : { object_device_id: access.device_id, ...downlink.body },
        ...(downlink.payloadBase64 === undefined ? {} : { payload_base64: downlink.payloadBase64 }),
        ...(downlink.topic === undefined ? {} : { topic: downlink.topic }),
        ...(downlink.receipt ? { receipt: true } : {}),
        expire_time: new Date(runtime.clock.now() + downlink.ttlMs).toISOString(),
      },
    }),
  ]);
}
