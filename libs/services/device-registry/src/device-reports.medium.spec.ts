import {
  type EventEnvelope,
  type StatusUpdatePush,
  createEvent,
  deviceLogReportedV1,
  deviceStatusChangedV1,
  formatCompactUtc,
  formatMillisUtc,
  gatewayInstanceAliveV1,
} from '@nidus/contracts';
import { systemClock } from '@nidus/ports';
import { DeviceLogService } from './device-logs/device-log.service';
import { GatewayInstancesService } from './gateway-instances/gateway-instances.service';
import { type Answer, type RegistryUnderTest, startRegistry } from './registry.medium-support';

// What the registry keeps of the gateways' device events: connection state and device logs, that a deleted device
// takes both with it, and that the devices of a gateway instance that is gone are reported offline.
describe('device-registry: device reports', () => {
  const project = 'p1';
  let registry: RegistryUnderTest;
  const call = (method: string, path: string, body?: unknown) => registry.call(method, path, body);
  const pageOf = (a: Answer) => a['page'] as { count: number };
  let clockOffsetMs = 0;
  const clock = { now: () => systemClock.now() + clockOffsetMs };
  const offline: EventEnvelope<StatusUpdatePush>[] = [];

  beforeAll(async () => {
    registry = await startRegistry(project, clock, async (infra) => {
      await infra.bus.subscribe({
        topic: deviceStatusChangedV1,
        group: 'test-status',
        handler: async (e) => {
          if (e.data.notify_data.body.status === 'OFFLINE') offline.push(e);
        },
      });
    });
    const product = await call('POST', '/products', {
      product_id: 'reportp',
      name: 'Reports',
      device_type: 'Meter',
      protocol_type: 'MQTT',
      service_capabilities: [
        {
          service_id: 'Meter',
          service_type: 'Meter',
          properties: [{ property_name: 'value', data_type: 'int', method: 'R' }],
        },
      ],
    });
    expect(product.status).toBe(201);
  });

  afterAll(() => registry.close());

  /** A gateway's status event for a device of product `reportp`. */
  const reportStatus = (id: string, status: 'ONLINE' | 'OFFLINE', at: number, source: string) =>
    registry.infra.bus.publish(deviceStatusChangedV1, [
      createEvent({
        type: deviceStatusChangedV1.type,
        source,
        subject: id,
        tenant: project,
        time: new Date(at),
        data: {
          resource: 'device.status' as const,
          event: 'update' as const,
          event_time: formatCompactUtc(at),
          notify_data: {
            header: {
              device_id: id,
              product_id: 'reportp',
              app_id: 'a',
              gateway_id: id,
              node_id: id.slice(8),
            },
            body: { status, last_online_time: formatCompactUtc(at) },
          },
        },
      }),
    ]);
  const statusOf = async (id: string) => (await call('GET', `/devices/${id}`)).body['status'];
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 250 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
    return check();
  };

  it('reports the devices of a gateway instance 3 heartbeats behind the others offline, once, not a live one', async () => {
    const [gone, live] = ['nidus/mqtt-gateway/a.1', 'nidus/mqtt-gateway/b.2'];
    for (const node of ['s1', 's2'])
      expect((await call('POST', '/devices', { node_id: node, product_id: 'reportp' })).status).toBe(201);
    const alive = (instance: string) =>
      registry.infra.bus.publish(gatewayInstanceAliveV1, [
        createEvent({
          type: gatewayInstanceAliveV1.type,
          source: instance,
          subject: instance,
          tenant: 'instance',
          time: new Date(clock.now()),
          data: { interval_ms: 1_000 },
        }),
      ]);
    const instances = await (
      await registry.infra.documents('device-registry')
    ).collection<{ last_seen: number }>({ name: 'registry_gateway_instances' });
    const lastSeen = async (instance: string) =>
      (await instances.get('instance', instance))?.data.last_seen ?? 0;
    await Promise.all([alive(gone), alive(live)]);
    await reportStatus('reportp_s1', 'ONLINE', clock.now(), gone);
    await reportStatus('reportp_s2', 'ONLINE', clock.now(), live);
    expect(await eventually(async () => (await statusOf('reportp_s1')) === 'ONLINE')).toBe(true);
    expect(await eventually(async () => (await statusOf('reportp_s2')) === 'ONLINE')).toBe(true);
    const sweeper = registry.app.get(GatewayInstancesService);
    expect(await sweeper.sweep()).toBe(0); // both heard from just now

    clockOffsetMs = 10_000; // both silent for 10 intervals: as when the bus is down, nobody is judged
    expect(await sweeper.sweep()).toBe(0);
    const before = await lastSeen(live); // then the live one speaks
    await alive(live);
    expect(await eventually(async () => (await lastSeen(live)) > before)).toBe(true);
    expect(await sweeper.sweep()).toBe(1);
    expect(await statusOf('reportp_s1')).toBe('OFFLINE');
    expect(await statusOf('reportp_s2')).toBe('ONLINE');
    expect(await sweeper.sweep()).toBe(0); // once
    expect(await instances.get('instance', gone)).toBeUndefined();
    expect(await eventually(async () => offline.some((e) => e.subject === 'reportp_s1'))).toBe(true);
    const event = offline.find((e) => e.subject === 'reportp_s1')!;
    expect(event.source).toBe('nidus/device-registry');
    expect(event.data.notify_data.header).toMatchObject({ device_id: 'reportp_s1', node_id: 's1' });
  });

  it('keeps the connection state gateways report, ignoring late reports, and forgets it with the device', async () => {
    const id = 'reportp_c1';
    expect((await call('POST', '/devices', { node_id: 'c1', product_id: 'reportp' })).status).toBe(201);
    const report = (status: 'ONLINE' | 'OFFLINE', at: number) => reportStatus(id, status, at, 'test');
    const shown = async () => (await call('GET', `/devices/${id}`)).body;
    const t0 = Date.parse('2026-11-26T10:00:00.123Z');
    await report('OFFLINE', t0);
    await report('ONLINE', t0 - 60_000); // late, from an earlier session: would set active_time if applied
    await report('ONLINE', t0 + 1_000);
    let device: Answer = {};
    for (let i = 0; i < 250 && device['connection_status_update_time'] !== formatMillisUtc(t0 + 1_000); i++) {
      await new Promise((r) => setTimeout(r, 20));
      device = await shown();
    }
    expect(device).toMatchObject({
      status: 'ONLINE',
      connection_status_update_time: formatMillisUtc(t0 + 1_000),
      active_time: formatMillisUtc(t0 + 1_000),
    });
    const listed = await call('GET', '/devices?product_id=reportp&node_id=c1');
    expect(listed.body['devices']).toMatchObject([{ device_id: id, status: 'ONLINE' }]);

    expect((await call('DELETE', `/devices/${id}`)).status).toBe(204);
    expect((await call('POST', '/devices', { node_id: 'c1', product_id: 'reportp' })).status).toBe(201);
    const never = { status: 'INACTIVE', connection_status_update_time: null, active_time: null };
    expect(await shown()).toMatchObject(never); // a new registration under the same id
  });

  it('deletes the log of a deleted device, and drops a report that arrives after the deletion', async () => {
    expect((await call('POST', '/devices', { node_id: 'g1', product_id: 'reportp' })).status).toBe(201);
    const id = 'reportp_g1';
    const logEvent = (content: string) =>
      createEvent({
        type: deviceLogReportedV1.type,
        source: 'test',
        subject: id,
        tenant: project,
        data: {
          device_id: id,
          gateway_id: id,
          product_id: 'reportp',
          received_time: '20261126T120000Z',
          event_time: '20261126T120000Z',
          paras: { type: 'DEVICE_STATUS' as const, content },
        },
      });
    await registry.infra.bus.publish(deviceLogReportedV1, [logEvent('booted'), logEvent('ready')]);
    const logs = async () => pageOf((await call('GET', `/devices/${id}/logs`)).body).count;
    for (let i = 0; i < 250 && (await logs()) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await logs()).toBe(2);

    expect((await call('DELETE', `/devices/${id}`)).status).toBe(204);
    expect(await registry.app.get(DeviceLogService).record(logEvent('in flight'))).toBe(false);
    expect((await call('POST', '/devices', { node_id: 'g1', product_id: 'reportp' })).status).toBe(201);
    expect(await logs()).toBe(0); // the same id registered again starts with an empty log
  });
});
