import {
  filterMatches,
  implicitSubscriptions,
  isDownlinkTopic,
  maySubscribe,
  parseUplinkTopic,
} from './device-topics';

const d = 'prod_node-1';

describe('parseUplinkTopic', () => {
  it.each([
    [`$oc/devices/${d}/sys/messages/up`, { kind: 'message', deviceId: d }],
    [`$oc/devices/${d}/sys/properties/report`, { kind: 'property-report', deviceId: d }],
    [
      `$oc/devices/${d}/sys/gateway/sub_devices/properties/report`,
      { kind: 'gateway-property-report', deviceId: d },
    ],
    [`$oc/devices/${d}/sys/events/up`, { kind: 'event', deviceId: d }],
    [
      `$oc/devices/${d}/sys/commands/response/request_id=r1`,
      { kind: 'command-response', deviceId: d, requestId: 'r1' },
    ],
    [
      `$oc/devices/${d}/sys/properties/set/response/request_id=a-b`,
      { kind: 'properties-set-response', deviceId: d, requestId: 'a-b' },
    ],
    [
      `$oc/devices/${d}/sys/properties/get/response/request_id=7`,
      { kind: 'properties-get-response', deviceId: d, requestId: '7' },
    ],
    [`$oc/devices/${d}/sys/shadow/get/request_id=42`, { kind: 'shadow-get', deviceId: d, requestId: '42' }],
    [`$oc/devices/${d}/user/telemetry`, { kind: 'custom', deviceId: d }],
  ])('%s', (topic, expected) => {
    expect(parseUplinkTopic(topic)).toEqual({ name: topic, ...expected });
  });

  it.each([
    `Soc/devices/${d}/sys/messages/up`, // Errata E1: the typesetting artefact is not a topic
    `$oc/devices/${d}/sys/messages/down`, // a downlink
    `$oc/devices/${d}/sys/commands/request_id=1`,
    `$oc/devices/${d}/sys/commands/response/request_id=`,
    `$oc/devices/${d}/sys/commands/response/request_id=a/b`,
    `$oc/devices/${d}/sys/unknown`,
    `$oc/devices//sys/messages/up`,
    `$oc/devices/${d}/user/`,
    '/usr/xxx/data/up',
  ])('refuses %s', (topic) => {
    expect(parseUplinkTopic(topic)).toBeUndefined();
  });
});

describe('subscriptions', () => {
  it('implicitly covers the six downlink filters of spec 01 §3.1', () => {
    expect(implicitSubscriptions(d)).toHaveLength(6);
    expect(implicitSubscriptions(d)).toContain(`$oc/devices/${d}/sys/commands/#`);
  });

  it('lets a device subscribe only under its own prefix', () => {
    expect(maySubscribe(d, `$oc/devices/${d}/sys/commands/#`)).toBe(true);
    expect(maySubscribe(d, `$oc/devices/other/sys/commands/#`)).toBe(false);
    expect(maySubscribe(d, '$oc/devices/+/sys/commands/#')).toBe(false);
    expect(maySubscribe(d, '#')).toBe(false);
    expect(maySubscribe(d, `$oc/devices/${d}/`)).toBe(false);
  });

  it('forwards only downlink topics', () => {
    expect(isDownlinkTopic(`$oc/devices/${d}/sys/commands/request_id=1`)).toBe(true);
    expect(isDownlinkTopic(`$oc/devices/${d}/sys/shadow/get/response/request_id=1`)).toBe(true);
    expect(isDownlinkTopic(`$oc/devices/${d}/sys/commands/response/request_id=1`)).toBe(false);
    expect(isDownlinkTopic(`$oc/devices/${d}/sys/properties/set/response/request_id=1`)).toBe(false);
    expect(isDownlinkTopic(`$oc/devices/${d}/sys/messages/up`)).toBe(false);
  });
});

describe('filterMatches', () => {
  it.each([
    ['a/b/#', 'a/b/c/d', true],
    ['a/b/#', 'a/b', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/b', 'a/b/c', false],
    [`$oc/devices/${d}/sys/commands/#`, `$oc/devices/${d}/sys/commands/request_id=1`, true],
  ])('%s ~ %s → %s', (filter, topic, expected) => {
    expect(filterMatches(filter, topic)).toBe(expected);
  });
});
