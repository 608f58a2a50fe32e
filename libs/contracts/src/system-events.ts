import type { TopicDefinition } from './topics';
import {
  deviceFileRequestedV1,
  deviceInfoReportedV1,
  deviceLogReportedV1,
  deviceOtaReportedV1,
  gatewaySubDevicesRequestedV1,
} from './topics';

/**
 * Where an `events/up` system event goes (spec 01 §3.3): to the bus topic of the service that owns it, or answered
 * by the device gateway itself (time sync needs no other service). A pair not listed here is unknown.
 */
export type SystemEventRoute = { readonly topic: TopicDefinition } | { readonly answer: 'time-sync' };

const sub = { topic: gatewaySubDevicesRequestedV1 };
const file = { topic: deviceFileRequestedV1 };
const ota = { topic: deviceOtaReportedV1 };
const info = { topic: deviceInfoReportedV1 };

export const systemEventRoutes: ReadonlyMap<string, SystemEventRoute> = new Map<string, SystemEventRoute>([
  ['$log/log_report', { topic: deviceLogReportedV1 }],
  ['$sdk_info/sdk_info_report', info],
  ['$device_info/device_info_report', info], // the guide's table spelling (Errata E3)
  ['$time_sync/time_sync_request', { answer: 'time-sync' }],
  ['$file_manager/get_upload_url', file],
  ['$file_manager/upload_result_report', file],
  ['$file_manager/get_download_url', file],
  ['$file_manager/download_result_report', file],
  ['$ota/version_report', ota],
  ['$ota/upgrade_progress_report', ota],
  ['$sub_device_manager/sub_device_sync_request', sub],
  ['$sub_device_manager/sub_device_update_status', sub],
  ['$sub_device_manager/get_products', sub],
  ['$sub_device_discovery/scan_result', sub],
  ['$sub_device_manager/add_sub_device_request', sub],
  ['$sub_device_manager/delete_sub_device_request', sub],
  ['$sub_device_manager/update_sub_device_request', sub],
]);

/** The route of an up system event, or undefined for an unknown pair. */
export function systemEventRoute(serviceId: string, eventType: string): SystemEventRoute | undefined {
  return systemEventRoutes.get(`${serviceId}/${eventType}`);
}

/** Whether a `service_id` names a system service (they start with `$`); any other is a product-model service. */
export function isSystemService(serviceId: string): boolean {
  return serviceId.startsWith('$');
}
