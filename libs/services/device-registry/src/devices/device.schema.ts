/** Device statuses (spec 02 §2.4). */
export type DeviceStatus = 'ONLINE' | 'OFFLINE' | 'ABNORMAL' | 'INACTIVE' | 'FROZEN';

export interface StoredTag {
  readonly tag_key: string;
  readonly tag_value: string;
}

export interface StoredAuth {
  readonly auth_type: 'SECRET' | 'CERTIFICATES';
  /** Sealed with the deployment's SecretBox; never stored or logged in plain text. */
  readonly secret?: string;
  readonly secondary_secret?: string;
  /** Lower-case hex. */
  readonly fingerprint?: string;
  readonly secondary_fingerprint?: string;
  readonly secure_access: boolean;
  /** s; 0 = the registration never expires. */
  readonly timeout: number;
}

/** A device as stored (`registry_devices`, keyed by record id, tenant = project). */
export interface StoredDevice {
  readonly device_id: string;
  readonly node_id: string;
  readonly product_id: string;
  readonly app_id: string;
  /** The gateway of a sub-device; null for a directly connected device. */
  readonly parent_id: string | null;
  /** The directly connected gateway at the top of a sub-device's chain; null for a directly connected device. */
  readonly root_id: string | null;
  /** 0 for a directly connected device, 1 or 2 for sub-devices (spec 02 §2.3: at most two levels). */
  readonly depth: number;
  readonly device_name?: string;
  readonly description?: string;
  readonly extension_info?: unknown;
  readonly auth: StoredAuth;
  readonly frozen: boolean;
  readonly fw_version?: string;
  readonly sw_version?: string;
  readonly device_sdk_version?: string;
  readonly tags: readonly StoredTag[];
  /** `shadow` of the create request, for the shadow service to apply (spec 05 §3.3.1). */
  readonly initial_desired?: readonly { service_id: string; desired: Record<string, unknown> }[];
  /** ms since epoch. */
  readonly created_at: number;
}

/** Where a device id lives (`registry_device_index`, keyed by device id, one instance-wide tenant). */
export interface DeviceLocation {
  readonly project_id: string;
  readonly record_id: string;
}

/**
 * A device's connection state as the gateways report it (`registry_device_connections`, keyed by the device's record
 * id, tenant = project). Kept apart from the device: it changes at every login and logout, and a write of the device
 * document updates its seven indexes (a quarter of a login's CPU in bench:mqtt when it was a device field).
 */
export interface StoredConnection {
  readonly status: 'ONLINE' | 'OFFLINE' | 'ABNORMAL';
  /** ms since epoch. */
  readonly updated_at: number;
  /** First successful connection, ms since epoch. */
  readonly active_at?: number;
  /** While ONLINE: the gateway instance that holds the connection (the status event's CloudEvents source). */
  readonly gateway?: string;
}

/** Spec 02 §2.4: frozen wins; a device that never connected is INACTIVE. */
export function statusOf(device: StoredDevice, connection: StoredConnection | undefined): DeviceStatus {
  if (device.frozen) return 'FROZEN';
  return connection?.status ?? 'INACTIVE';
}
