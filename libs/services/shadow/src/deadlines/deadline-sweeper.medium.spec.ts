import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeviceAccess,
  type DownlinkRequested,
  type EventEnvelope,
  type ProductAccess,
  deviceCommandStatusChangedV1,
  deviceMessageStatusChangedV1,
  gatewayDownlinkTopic,
} from '@nidus/contracts';
import type { DeviceDirectory } from '@nidus/gateway-kit';
import { loadConfig } from '@nidus/platform-config';
import { type Infrastructure, openInfrastructure, standaloneRuntime } from '@nidus/platform-runtime';
import { silentLogger } from '@nidus/ports';
import { AsyncCommandsService } from '../async-commands/async-commands.service';
import { MessagesService } from '../messages/messages.service';
import { type ShadowParts, closeShadowParts, makeShadowParts } from '../shadow.parts';
import { DeadlineSweeper } from './deadline-sweeper';

// The deadlines of cached commands and messages (spec 03 §5.2.4, §5.4) on a clock the test moves: the service's own
// stores and bus (embedded adapters over a data directory), the registry's answers stood in for by a fixed device.

const project = 'p1';
const gatewaySource = 'nidus/mqtt-gateway/host-1.0a1b2c3d';
const access: DeviceAccess = {
  device_id: 'dev-1',
  project_id: project,
  app_id: 'app-1',
  product_id: 'prod-1',
  node_id: 'node-1',
  gateway_id: 'dev-1',
  direct: true,
  frozen: false,
  auth_type: 'SECRET',
  secure_access: true,
};
const product: ProductAccess = {
  project_id: project,
  product_id: 'prod-1',
  app_id: 'app-1',
  protocol_type: 'MQTT',
  data_format: 'json',
  service_capabilities: [],
};

let now = Date.parse('2026-11-27T08:00:00Z');
let dataDir: string;
let infra: Infrastructure;
let parts: ShadowParts;
let commands: AsyncCommandsService;
let messages: MessagesService;
let sweeper: DeadlineSweeper;
const commandEvents: EventEnvelope<unknown>[] = [];
const messageEvents: EventEnvelope<unknown>[] = [];
const downlinks: EventEnvelope<DownlinkRequested>[] = [];

/** The first `n` events of `list` once the bus delivered them (bounded wait: a missing event fails with the count). */
async function take<T>(list: T[], n: number): Promise<T[]> {
  for (let i = 0; i < 1_000 && list.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(list.length).toBeGreaterThanOrEqual(n);
  return list.slice(0, n);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nidus-deadlines-'));
  const config = loadConfig({ NIDUS_DATA_DIR: dataDir }, { defaultServices: ['shadow'] });
  infra = await openInfrastructure(config, silentLogger);
  const runtime = standaloneRuntime('shadow', config, infra, { clock: { now: () => now } });
  const directory = {
    device: async (id: string) => (id === access.device_id ? access : undefined),
    product: async () => product,
  } as unknown as DeviceDirectory;
  parts = { ...(await makeShadowParts(runtime)), directory };
  commands = new AsyncCommandsService(runtime, parts);
  messages = new MessagesService(runtime, parts);
  sweeper = new DeadlineSweeper(runtime, parts, messages, commands);
  const subscribe = <T>(
    topic: Parameters<typeof infra.bus.subscribe<T>>[0]['topic'],
    inbox: EventEnvelope<T>[],
  ) => infra.bus.subscribe<T>({ topic, group: 'test', handler: async (e) => void inbox.push(e) });
  await subscribe(deviceCommandStatusChangedV1, commandEvents);
  await subscribe(deviceMessageStatusChangedV1, messageEvents);
  await subscribe(gatewayDownlinkTopic(gatewaySource)!, downlinks);
});

afterAll(async () => {
  await closeShadowParts(parts);
  await infra.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The push body (spec 03 §6.4) of the status events received so far, in order. */
const bodies = (events: EventEnvelope<unknown>[]) =>
  events.map((e) => (e.data as { notify_data: { body: Record<string, unknown> } }).notify_data.body);

/** A cached command with `paras: { n }` for the device, which then comes online: the command and its downlink. */
async function queuedThenSent(n: number) {
  const created = await commands.create(project, access.device_id, {
    paras: { n },
    send_strategy: 'delay',
    expire_time: 86_400,
  });
  await parts.presence.apply(access.device_id, 'ONLINE', gatewaySource);
  const before = downlinks.length;
  await commands.deviceOnline(access);
  const downlink = (await take(downlinks, before + 1))[before]!;
  return { created, downlink };
}

const statusOf = async (commandId: string) =>
  (await commands.show(project, access.device_id, commandId)).status;

describe('deadlines of cached commands and messages', () => {
  it('expires a cached command when its expire_time passes, and not before', async () => {
    const created = await commands.create(project, access.device_id, {
      paras: { n: 1 },
      send_strategy: 'delay',
      expire_time: 60,
    });
    expect(created.status).toBe('PENDING');
    now += 59_000;
    await sweeper.sweep();
    expect(await statusOf(created.command_id)).toBe('PENDING');
    now += 2_000;
    await sweeper.sweep();
    expect(await statusOf(created.command_id)).toBe('EXPIRED');
    const [pending, expired] = await take(commandEvents, 2);
    expect(pending!.data).toMatchObject({
      resource: 'device.command.status',
      event: 'update',
      notify_data: {
        header: {
          app_id: 'app-1',
          device_id: 'dev-1',
          node_id: 'node-1',
          product_id: 'prod-1',
          gateway_id: 'dev-1',
        },
        body: { command_id: created.command_id, status: 'PENDING', sent_time: '', result: null },
      },
    });
    expect(expired!.subject).toBe('dev-1');
    expect(bodies(commandEvents)[1]).toMatchObject({ command_id: created.command_id, status: 'EXPIRED' });
  });

  it('times a sent command out when no receipt comes within 180 s', async () => {
    const { created, downlink } = await queuedThenSent(2);
    expect(downlink.data).toMatchObject({
      device_id: 'dev-1',
      kind: 'command',
      receipt: true,
      body: { paras: { n: 2 } },
    });
    expect(await statusOf(created.command_id)).toBe('SENT');
    now += 179_000;
    await sweeper.sweep();
    expect(await statusOf(created.command_id)).toBe('SENT');
    now += 2_000;
    await sweeper.sweep();
    const shown = await commands.show(project, access.device_id, created.command_id);
    expect(shown).toMatchObject({ status: 'TIMEOUT', sent_time: expect.stringMatching(/^\d{8}T\d{6}Z$/) });
    await take(commandEvents, 5);
    expect(
      bodies(commandEvents)
        .slice(2)
        .map((b) => b['status']),
    ).toEqual(['PENDING', 'SENT', 'TIMEOUT']);
    expect(bodies(commandEvents)[4]).toMatchObject({ sent_time: shown.sent_time, result: null });
    await parts.presence.apply(access.device_id, 'OFFLINE', gatewaySource);
  });

  it("changes a command once each for the gateway's receipt and the device's answer arriving together", async () => {
    const { created, downlink } = await queuedThenSent(4);
    const requestId = downlink.data.request_id;
    const replace = jest.spyOn(parts.commands, 'replace');
    // Side by side, as a device that answers at once makes them: both read the SENT command before either writes.
    await Promise.all([
      commands.receipt(project, {
        device_id: 'dev-1',
        kind: 'command',
        request_id: requestId,
        outcome: 'delivered',
      }),
      commands.response(project, {
        device_id: 'dev-1',
        gateway_id: 'dev-1',
        product_id: 'prod-1',
        received_time: '20261127T080000Z',
        kind: 'command',
        request_id: requestId,
        body: { result_code: 0, paras: { done: true } },
      }),
    ]);
    // DELIVERED, then SUCCESSFUL: two writes, none lost to the other's compare-and-set and done again.
    expect(replace.mock.calls.map(([, , data]) => data.status)).toEqual(['DELIVERED', 'SUCCESSFUL']);
    replace.mockRestore();
    expect(await commands.show(project, access.device_id, created.command_id)).toMatchObject({
      status: 'SUCCESSFUL',
      result: { result_code: 0, paras: { done: true } },
    });
    await parts.presence.apply(access.device_id, 'OFFLINE', gatewaySource);
  });

  it("takes a command's answer only from the device it was sent to; an unknown request id completes nothing", async () => {
    const { created, downlink } = await queuedThenSent(5);
    const answer = (gateway: string, requestId = downlink.data.request_id) => ({
      device_id: gateway,
      gateway_id: gateway,
      product_id: 'prod-1',
      received_time: '20261127T080000Z',
      kind: 'command' as const,
      request_id: requestId,
      body: { result_code: 0 },
    });
    expect(await commands.response(project, answer('intruder'))).toBe('mismatched');
    expect(await statusOf(created.command_id)).toBe('SENT');
    expect(await commands.response(project, answer('dev-1', 'acmd-0000000000000-unknown'))).toBe('unknown');
    expect(await commands.response(project, answer('dev-1'))).toBe('completed');
    expect(await statusOf(created.command_id)).toBe('SUCCESSFUL');
    expect(await commands.response(project, answer('dev-1'))).toBe('unknown'); // late duplicate
    await parts.presence.apply(access.device_id, 'OFFLINE', gatewaySource);
  });

  it('leaves a command alone when a due entry is not its current deadline', async () => {
    const created = await commands.create(project, access.device_id, {
      paras: { n: 3 },
      send_strategy: 'delay',
      expire_time: 86_400,
    });
    const [stored] = (await parts.commands.find(project, { command_id: created.command_id }, { limit: 1 }))
      .items;
    await parts.deadlines.set('command', project, stored!.id, now - 1); // as if left behind by a crash
    await sweeper.sweep();
    expect(await statusOf(created.command_id)).toBe('PENDING');
    expect(await parts.deadlines.due(now, 10)).toEqual([]);
  });

  it('times a cached message out when its ttl passes', async () => {
    const created = await messages.create(project, access.device_id, {
      message: { hello: 1 },
      encoding: 'none',
      payload_format: 'standard',
      ttl: 5,
    });
    expect(created.result.status).toBe('PENDING');
    now += 5 * 60_000 - 1_000;
    await sweeper.sweep();
    expect((await messages.show(project, access.device_id, created.message_id)).status).toBe('PENDING');
    now += 2_000;
    await sweeper.sweep();
    expect(await messages.show(project, access.device_id, created.message_id)).toMatchObject({
      status: 'TIMEOUT',
      finished_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
    await take(messageEvents, 2);
    expect(messageEvents[1]!.data).toMatchObject({
      resource: 'device.message.status',
      event: 'update',
      notify_data: {
        header: { device_id: 'dev-1' },
        body: { message_id: created.message_id, status: 'TIMEOUT' },
      },
    });
  });
});
