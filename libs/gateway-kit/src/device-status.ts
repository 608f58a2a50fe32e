import { createEvent, deviceStatusChangedV1, formatCompactUtc } from '@nidus/contracts';
import type { DeviceAccess } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import { notifyHeaderOf } from './uplink-event';

/**
 * Publishes a directly connected device's connection status (`iot.device.status-changed.v1`, the IoTDA
 * `device.status / update` push body, spec 03 §6.4.4); resolves when the bus holds it.
 */
export function publishDeviceStatus(
  bus: EventBus,
  source: string,
  access: DeviceAccess,
  status: 'ONLINE' | 'OFFLINE',
  at: number,
  lastOnlineAt: number,
): Promise<void> {
  const data = {
    resource: 'device.status' as const,
    event: 'update' as const,
    event_time: formatCompactUtc(at),
    notify_data: {
      header: notifyHeaderOf(access),
      body: { status, last_online_time: formatCompactUtc(lastOnlineAt) },
    },
  };
  return bus.publish(deviceStatusChangedV1, [
    createEvent({
      type: deviceStatusChangedV1.type,
      source,
      subject: access.device_id,
      tenant: access.project_id,
      appid: access.app_id,
      time: new Date(at),
      data,
    }),
  ]);
}
