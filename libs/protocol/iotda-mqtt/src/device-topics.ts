// IoTDA MQTT topics (IoTDA guide §2.1.2.1, §2.1.2.12; spec 01 §3). Every system topic lives under
// `$oc/devices/{device_id}/sys/`; a device's custom topics under `$oc/devices/{device_id}/user/` (guide §4.2).

/** What a device may publish, by topic. */
export type UplinkKind =
  | 'message' // T1 messages/up
  | 'property-report' // T5 properties/report
  | 'gateway-property-report' // T6 gateway/sub_devices/properties/report
  | 'event' // T13 events/up
  | 'command-response' // T4 commands/response/request_id={id}
  | 'properties-set-response' // T8 properties/set/response/request_id={id}
  | 'properties-get-response' // T10 properties/get/response/request_id={id}
  | 'shadow-get' // T11 shadow/get/request_id={id}
  | 'custom'; // $oc/devices/{id}/user/...

export interface UplinkTopic {
  /** The topic as published. */
  readonly name: string;
  readonly kind: UplinkKind;
  readonly deviceId: string;
  /** The request id of a response or of a shadow get. */
  readonly requestId?: string;
}

const prefix = '$oc/devices/';
const requestIdPattern = /^[^/+#]{1,128}$/; // opaque; spec 01 §3.2: non-empty, without '/', '+' or '#'

const fixedUplinks: Readonly<Record<string, UplinkKind>> = {
  'messages/up': 'message',
  'properties/report': 'property-report',
  'gateway/sub_devices/properties/report': 'gateway-property-report',
  'events/up': 'event',
};

const requestUplinks: readonly (readonly [string, UplinkKind])[] = [
  ['commands/response/request_id=', 'command-response'],
  ['properties/set/response/request_id=', 'properties-set-response'],
  ['properties/get/response/request_id=', 'properties-get-response'],
  ['shadow/get/request_id=', 'shadow-get'],
];

/** The device a topic under `$oc/devices/` belongs to, and the rest after its id; undefined otherwise. */
export function splitDeviceTopic(topic: string): { deviceId: string; rest: string } | undefined {
  if (!topic.startsWith(prefix)) return undefined;
  const slash = topic.indexOf('/', prefix.length);
  if (slash <= prefix.length) return undefined;
  return { deviceId: topic.slice(prefix.length, slash), rest: topic.slice(slash + 1) };
}

/** An uplink topic a device may publish on, or undefined (spec 01 §3.1 [Rec]: refused). */
export function parseUplinkTopic(topic: string): UplinkTopic | undefined {
  const split = splitDeviceTopic(topic);
  if (!split) return undefined;
  const { deviceId, rest } = split;
  if (rest.startsWith('user/') && rest.length > 'user/'.length)
    return { name: topic, kind: 'custom', deviceId };
  if (!rest.startsWith('sys/')) return undefined;
  const sys = rest.slice(4);
  const fixed = fixedUplinks[sys];
  if (fixed) return { name: topic, kind: fixed, deviceId };
  for (const [head, kind] of requestUplinks) {
    if (!sys.startsWith(head)) continue;
    const requestId = sys.slice(head.length);
    return requestIdPattern.test(requestId) ? { name: topic, kind, deviceId, requestId } : undefined;
  }
  return undefined;
}

/** Platform → device topics (spec 01 §3.2: T2, T3, T7, T9, T12, T14). */
export const downlinkTopics = {
  messages: (deviceId: string) => `${prefix}${deviceId}/sys/messages/down`,
  command: (deviceId: string, requestId: string) =>
    `${prefix}${deviceId}/sys/commands/request_id=${requestId}`,
  propertiesSet: (deviceId: string, requestId: string) =>
    `${prefix}${deviceId}/sys/properties/set/request_id=${requestId}`,
  propertiesGet: (deviceId: string, requestId: string) =>
    `${prefix}${deviceId}/sys/properties/get/request_id=${requestId}`,
  shadowResponse: (deviceId: string, requestId: string) =>
    `${prefix}${deviceId}/sys/shadow/get/response/request_id=${requestId}`,
  events: (deviceId: string) => `${prefix}${deviceId}/sys/events/down`,
} as const;

/** The downlink filters a device is subscribed to without asking, at QoS 0 (guide §2.1.2.12; spec 01 §3.1 R6). */
export function implicitSubscriptions(deviceId: string): readonly string[] {
  const sys = `${prefix}${deviceId}/sys/`;
  return [
    `${sys}messages/down`,
    `${sys}commands/#`,
    `${sys}properties/set/#`,
    `${sys}properties/get/#`,
    `${sys}shadow/get/response/#`,
    `${sys}events/down`,
  ];
}

/**
 * Whether a device may subscribe to a filter: only under its own `$oc/devices/{device_id}/`, with no wildcard in
 * the prefix or the device level (spec 01 §3.1 [Rec]: otherwise SUBACK 0x80).
 */
export function maySubscribe(deviceId: string, filter: string): boolean {
  const own = `${prefix}${deviceId}/`;
  return filter.startsWith(own) && filter.length > own.length;
}

/** Whether a topic carries platform → device traffic; only those are ever forwarded to a device. */
export function isDownlinkTopic(topic: string): boolean {
  const split = splitDeviceTopic(topic);
  if (!split) return false;
  const { rest } = split;
  return (
    rest === 'sys/messages/down' ||
    rest === 'sys/events/down' ||
    /^sys\/(commands|properties\/set|properties\/get|shadow\/get\/response)\/request_id=[^/]+$/.test(rest) ||
    (rest.startsWith('user/') && rest.length > 5)
  );
}

/** Whether an MQTT topic filter matches a topic name (MQTT 3.1.1 §4.7: `+` one level, `#` the rest). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
