import type { DeviceAccess } from '@nidus/contracts';
import type { SecretBox } from '@nidus/platform-secrets';
import { devicePassword, passwordMatches, timestampWithinWindow } from '@nidus/protocol-iotda-mqtt';

/** Why a device may not connect; each maps to one protocol answer (MQTT: spec 01 §2.6.5). */
export type LoginRefusal =
  | 'unknown-device' // 0x04
  | 'bad-password' // 0x04
  | 'stale-timestamp' // 0x04: sign type 1 and the timestamp is outside the window
  | 'frozen' // 0x05
  | 'not-direct' // 0x05: a sub-device connects through its gateway
  | 'no-secret'; // 0x05: a certificate device presented a password

export interface SecretLogin {
  readonly signType: 0 | 1;
  readonly timestamp: string;
  readonly password: string;
}

export interface LoginPolicy {
  readonly secrets: SecretBox;
  /** Hours either side of now that a sign-type-1 timestamp may be (spec 01 §2.6.4 [Rec]: 2). */
  readonly timestampWindowH: number;
  readonly now: () => number;
}

/**
 * The secret login of IoTDA devices (spec 01 §2.6.4), shared by the MQTT and HTTPS device gateways: device state
 * first, then the timestamp window (sign type 1), then the HMAC of the primary or secondary secret.
 */
export function checkSecretLogin(
  access: DeviceAccess | undefined,
  login: SecretLogin,
  policy: LoginPolicy,
): LoginRefusal | undefined {
  if (!access) return 'unknown-device';
  if (access.frozen) return 'frozen';
  if (!access.direct) return 'not-direct';
  const sealed = [access.secret, access.secondary_secret].filter((s): s is string => s !== undefined);
  if (sealed.length === 0) return 'no-secret';
  if (login.signType === 1 && !timestampWithinWindow(login.timestamp, policy.now(), policy.timestampWindowH))
    return 'stale-timestamp';
  const matches = sealed.some((s) =>
    passwordMatches(devicePassword(policy.secrets.open(s), login.timestamp), login.password),
  );
  return matches ? undefined : 'bad-password';
}
