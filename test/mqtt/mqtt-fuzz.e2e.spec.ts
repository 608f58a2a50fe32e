import { type Socket, connect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { type Packet, generate } from 'mqtt-packet';
import { NidusProcess, curl, freePort, tempDataDir } from '../support/nidus-process';
import { V5Project, connectDevice, iotdaConnect } from './device-clients';

// Bad input (issue 4, item 7): random and mutated MQTT packets fed to a running embedded platform, while a
// well-behaved device keeps reporting through the same gateway. Reproduce a failure with FUZZ_SEED=<seed printed>.

const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const cases = 400;
const secret = 'fuzzSecret0123456789';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(s: number) {
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, bytes, pick };
}
type Rng = ReturnType<typeof prng>;

let platform: NidusProcess;
let ports: { mqtt: number; metrics: number; api: number };
let ids: { steady: string; target: string };

beforeAll(async () => {
  const dataDir = tempDataDir();
  ports = { mqtt: await freePort(), metrics: await freePort(), api: await freePort() };
  platform = NidusProcess.start('platform', {
    NIDUS_DATA_DIR: dataDir,
    API_HTTP_PORT: String(ports.api),
    METRICS_PORT: String(ports.metrics),
    MQTT_PORT: String(ports.mqtt),
    MQTT_MAX_PACKET_BYTES: '65536',
    MQTT_CONNECTION_BYTES_PER_S: '0',
    // the parser is under test: the source guard would refuse this address after its first few broken packets
    MQTT_LOGIN_FAILURES_PER_MIN: '0',
    LOG_LEVEL: 'warn',
  });
  await platform.up();
  const v5 = V5Project.fromDataDir(`http://127.0.0.1:${ports.api}`, dataDir);
  const product = await v5.addProduct();
  ids = {
    steady: await v5.addDevice(product, 'steady', secret),
    target: await v5.addDevice(product, 'target', secret),
  };
}, 120_000);

afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

/** A well-formed packet of a random kind with hostile contents: foreign or odd topics, random payloads. */
function packetBytes(rng: Rng): Buffer {
  const own = `$oc/devices/${ids.target}/sys`;
  const topic = rng.pick([
    `${own}/properties/report`,
    `${own}/messages/up`,
    `${own}/events/up`,
    `${own}/gateway/sub_devices/properties/report`,
    `${own}/commands/response/request_id=${rng.int(1000)}`,
    `$oc/devices/${ids.steady}/sys/messages/up`,
    '#',
    '',
    'a'.repeat(rng.int(3000)),
  ]);
  const payload = rng.pick([
    () => rng.bytes(rng.int(512)),
    () => Buffer.from(JSON.stringify({ services: [{ service_id: rng.int(9), properties: rng.next() }] })),
    () =>
      Buffer.from(
        JSON.stringify({ services: [{ service_id: '$time_sync', event_type: 'x', paras: rng.int(5) }] }),
      ),
    () => Buffer.from('{"services":[{"service_id":"Temperature","properties":{"value":'),
    () => Buffer.from('{"devices":' + '['.repeat(rng.int(2000))),
  ])();
  const packets: Packet[] = [
    {
      cmd: 'publish',
      topic,
      payload,
      qos: rng.pick([0, 1] as const),
      messageId: 1 + rng.int(65535),
      retain: rng.next() < 0.2,
      dup: false,
    },
    {
      cmd: 'subscribe',
      messageId: 1 + rng.int(65535),
      subscriptions: [{ topic: topic || '+', qos: rng.pick([0, 1, 2] as const) }],
    },
    { cmd: 'unsubscribe', messageId: 1 + rng.int(65535), unsubscriptions: [topic || 'x'] },
    { cmd: 'pingreq' },
    { cmd: 'puback', messageId: 1 + rng.int(65535) },
    { cmd: 'pubrel', messageId: 1 + rng.int(65535) },
  ];
  return generate(rng.pick(packets));
}

/** Flips, truncates, duplicates or splices bytes of a packet. */
function mutate(rng: Rng, packet: Buffer): Buffer {
  const b = Buffer.from(packet);
  switch (rng.int(5)) {
    case 0:
      for (let i = 0, n = 1 + rng.int(4); i < n; i++) b[rng.int(b.length)] = rng.int(256);
      return b;
    case 1:
      return b.subarray(0, rng.int(b.length));
    case 2:
      return Buffer.concat([b, b]);
    case 3: {
      const at = rng.int(b.length);
      return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(32)), b.subarray(at)]);
    }
    default:
      b[0] = rng.int(256); // any packet type and flags, the reserved ones included
      return b;
  }
}

/** One fuzz case on its own connection; ends when the gateway closes it or after `ms`. */
function fuzzCase(rng: Rng, ms = 600): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const socket: Socket = connect(ports.mqtt, '127.0.0.1');
    let closedByServer = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(closedByServer ? 'closed' : 'open');
    });
    socket.on('end', () => (closedByServer = true));
    const timer = setTimeout(() => socket.destroy(), ms);
    const frames: Buffer[] = [];
    switch (rng.int(4)) {
      case 0:
        frames.push(rng.bytes(1 + rng.int(2048)));
        break;
      case 1:
        frames.push(mutate(rng, iotdaConnect(ids.target, secret)));
        break;
      default: {
        frames.push(iotdaConnect(ids.target, secret));
        for (let i = 0, n = 1 + rng.int(8); i < n; i++) {
          const p = packetBytes(rng);
          frames.push(rng.next() < 0.5 ? mutate(rng, p) : p);
        }
      }
    }
    socket.on('connect', () => {
      for (const f of frames) socket.write(f);
    });
  });
}

async function metric(name: string): Promise<Record<string, number>> {
  const body = (await curl(`http://127.0.0.1:${ports.metrics}/metrics`)).body;
  const values: Record<string, number> = {};
  for (const line of body.split('\n'))
    if (line.startsWith(`${name}{`))
      // labels without the process's `instance`
      values[line.slice(name.length, line.lastIndexOf(' ')).replace(/,?instance="[^"]*"/, '')] = Number(
        line.split(' ').pop(),
      );
  return values;
}

describe(`fuzzing the MQTT listener (FUZZ_SEED=${seed})`, () => {
  let steady: MqttClient;
  afterAll(() => steady?.end(true));

  it(`survives ${cases} random and mutated packet streams; a device alongside never notices`, async () => {
    steady = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.steady, secret);
    let acked = 0;
    let sent = 0;
    let fuzzing = true;
    const reporter = (async () => {
      while (fuzzing) {
        sent++;
        await steady.publishAsync(`$oc/devices/${ids.steady}/sys/messages/up`, `tick ${sent}`, { qos: 1 });
        acked++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const rng = prng(seed);
    const outcomes = { closed: 0, open: 0 };
    for (let i = 0; i < cases; i += 16) {
      const batch = await Promise.all(Array.from({ length: 16 }, () => fuzzCase(rng)));
      for (const o of batch) outcomes[o]++;
    }
    fuzzing = false;
    await reporter;

    expect(platform.child.exitCode).toBeNull();
    expect(steady.connected).toBe(true);
    expect(acked).toBe(sent);
    expect(acked).toBeGreaterThan(10);
    // Most streams are broken enough that the gateway ends them itself.
    expect(outcomes.closed).toBeGreaterThan(cases / 4);
    expect((await curl(`http://127.0.0.1:${ports.api}/health/ready`)).status).toBe(200);
    // The fuzzed device can still log in and report.
    const target = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.target, secret);
    await target.publishAsync(`$oc/devices/${ids.target}/sys/messages/up`, 'after the storm', { qos: 1 });
    await target.endAsync();
    // Every end was counted with its reason.
    const reasons = await metric('nidus_gateway_disconnects_total');
    expect(Object.keys(reasons).join()).toContain('reason="protocol-error"');
    expect(platform.stdout).not.toMatch(/"level":(60|"fatal")|uncaught/i);
  }, 300_000);

  it('closes a connection whose PUBLISH topic is not well-formed UTF-8, and counts it', async () => {
    const before = await metric('nidus_gateway_disconnects_total');
    const publish = generate({
      cmd: 'publish',
      topic: `$oc/devices/${ids.target}/sys/messages/up`,
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
    });
    const at = publish.indexOf('$oc');
    publish[at + 1] = 0xc3; // "\xc3c" is not UTF-8 (a lead byte without its continuation)
    const socket = connect(ports.mqtt, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('connect', () => socket.write(Buffer.concat([iotdaConnect(ids.target, secret), publish])));
    await closed;
    const after = await metric('nidus_gateway_disconnects_total');
    const key = '{protocol="mqtt",reason="malformed-utf8"}';
    expect(after[key]).toBeGreaterThan(before[key] ?? 0);
  });
});
