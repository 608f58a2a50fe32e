import type { DeviceLogReported } from '@nidus/contracts';

/** A device log entry as the registry keeps it (collection `registry_device_logs`, id = record id). */
export interface StoredDeviceLog {
  readonly device_id: string;
  readonly app_id: string;
  readonly type: DeviceLogReported['paras']['type'];
  readonly content: string;
  readonly timestamp?: string;
  /** Compact UTC, as the device stamped the event. */
  readonly event_time: string;
  /** Compact UTC, when the gateway received it. */
  readonly received_time: string;
}
