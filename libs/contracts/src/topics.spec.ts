import { gatewayDownlinkTopic, isTopicName } from './topics';

describe('gatewayDownlinkTopic', () => {
  it('names one topic per gateway instance and boot, from the instance source', () => {
    const a = gatewayDownlinkTopic('nidus/mqtt-gateway/host_A.1-2.0a1b2c3d');
    const b = gatewayDownlinkTopic('nidus/mqtt-gateway/host_A.1-2.ffee0011');
    expect(a?.name).toBe('iot.downlink.mqtt-gateway-0a1b2c3d.v1');
    expect(b?.name).toBe('iot.downlink.mqtt-gateway-ffee0011.v1');
    expect(isTopicName(a!.name)).toBe(true);
    expect(a?.type).toBe('nidus.gateway.downlink.requested.v1');
  });

  it('has none for a source that is no gateway instance', () => {
    expect(gatewayDownlinkTopic('nidus/device-registry')).toBeUndefined();
    expect(gatewayDownlinkTopic('nidus/mqtt-gateway/host-1')).toBeUndefined();
    expect(gatewayDownlinkTopic('nidus/Mqtt/host-1.0a1b2c3d')).toBeUndefined();
  });
});
