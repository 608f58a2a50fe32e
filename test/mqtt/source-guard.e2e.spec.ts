import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NidusProcess, curl, embeddedEnv, freePort, run } from '../support/nidus-process';
import { generate } from 'mqtt-packet';
import { V5Project, iotdaConnect, iotdaLogin } from './device-clients';

// Repeated failed logins from one address are rate-limited (issue 7, line 5), seen by mosquitto_pub bound to
// addresses of the loopback network (-A): 127.0.0.1 (the test's own clients), 127.0.0.2 and 127.0.0.3.

const secret = 'guardSecret0123456789';
const blockS = 3;
let platform: NidusProcess;
let dataDir: string;
let ports: { mqtt: number; mqtts: number; metrics: number };
let device: string;

beforeAll(async () => {
  ports = { mqtt: 0, mqtts: await freePort(), metrics: await freePort() };
  const made = await embeddedEnv({
    METRICS_PORT: String(ports.metrics),
    MQTTS_PORT: String(ports.mqtts),
    MQTT_WS_PORT: '0',
    MQTT_LOGIN_FAILURE_BURST: '3',
    MQTT_LOGIN_FAILURES_PER_MIN: '1',
    MQTT_LOGIN_BLOCK_S: String(blockS),
  });
  ({ dataDir } = made);
  ports.mqtt = made.mqttPort;
  platform = NidusProcess.start('platform', made.env);
  await platform.up();
  const v5 = V5Project.fromDataDir(made.api, dataDir);
  device = await v5.addDevice(await v5.addProduct(), 'guarded', secret);
}, 120_000);

afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

/** mosquitto_pub from `address` with `password` (the right one when not given): its output, refusals included. */
async function publishFrom(address: string, password?: string): Promise<string> {
  const login = iotdaLogin(device, secret);
  const args = ['-h', '127.0.0.1', '-p', String(ports.mqtt), '-A', address, '-d', '-k', '60'];
  args.push('-i', login.clientId, '-u', login.username, '-P', password ?? login.password);
  args.push('-q', '1', '-t', `$oc/devices/${device}/sys/messages/up`, '-m', 'hello');
  try {
    return await run('mosquitto_pub', args, 15_000);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

/** Sends bytes that are no MQTT packet from `address`; resolves when the gateway has closed the connection. */
function garbageFrom(address: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port: ports.mqtt, localAddress: address }, () =>
      socket.write(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0x7f])),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/**
 * Logs the device in from `address`, sends QoS 1 publishes and closes the connection while their PUBACKs are still
 * to be written: a session that ended badly, not a failed login.
 */
function brokenSessionFrom(address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port: ports.mqtt, localAddress: address }, () =>
      socket.write(iotdaConnect(device, secret)),
    );
    socket.on('error', () => undefined);
    const refused = () => reject(new Error(`no CONNACK from ${address}`));
    socket.once('close', refused);
    socket.once('data', (data: Buffer) => {
      socket.off('close', refused);
      if (data[0] !== 0x20 || data[3] !== 0) return reject(new Error(`CONNACK ${data.toString('hex')}`));
      const topic = `$oc/devices/${device}/sys/messages/up`;
      for (let id = 1; id <= 200; id++)
        socket.write(
          generate({ cmd: 'publish', topic, payload: 'x', qos: 1, messageId: id, dup: false, retain: false }),
        );
      socket.once('data', () => {
        socket.end();
        socket.once('close', () => resolve());
      });
    });
  });
}

/** Whether a TLS handshake from `address` completes. */
function handshakeFrom(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      socket: tcpConnect({ host: '127.0.0.1', port: ports.mqtts, localAddress: address }),
      ca: readFileSync(join(dataDir, 'tls', 'ca.pem')),
      servername: 'localhost',
    });
    socket.once('secureConnect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

const wrong = '0'.repeat(64);

it("answers wrong passwords with CONNACK 4 within the burst, then closes the address's connections, the right password included", async () => {
  for (let i = 0; i < 4; i++) expect(await publishFrom('127.0.0.2', wrong)).toContain('received CONNACK (4)');
  const blocked = await publishFrom('127.0.0.2');
  expect(blocked).not.toContain('received CONNACK');
  expect(blocked).not.toContain('PUBACK');
  expect(await handshakeFrom('127.0.0.2')).toBe(false); // closed before the TLS handshake
  // the device itself, from another address, is not affected
  const elsewhere = await publishFrom('127.0.0.1');
  expect(elsewhere).toContain('received CONNACK (0)');
  expect(elsewhere).toContain('received PUBACK');
  expect(await handshakeFrom('127.0.0.1')).toBe(true);
  const metrics = await curl(`http://127.0.0.1:${ports.metrics}/metrics`);
  expect(metrics.body).toMatch(/nidus_gateway_connects_total\{[^}]*outcome="source-blocked"[^}]*\} [1-9]/);
  expect(metrics.body).toMatch(/nidus_gateway_blocked_sources\{[^}]*protocol="mqtt"[^}]*\} 1\n/);
});

it('counts connections that send no MQTT as failed logins too', async () => {
  for (let i = 0; i < 4; i++) await garbageFrom('127.0.0.3');
  expect(await publishFrom('127.0.0.3')).not.toContain('received CONNACK');
  expect(await publishFrom('127.0.0.4')).toContain('received CONNACK (0)');
});

it('does not count sessions that logged in and then broke as failed logins', async () => {
  for (let i = 0; i < 6; i++) await brokenSessionFrom('127.0.0.5');
  await new Promise((r) => setTimeout(r, 500)); // the gateway handles what the broken sessions left
  expect(await publishFrom('127.0.0.5')).toContain('received CONNACK (0)');
});

it('takes the address back when its block has run out', async () => {
  await new Promise((r) => setTimeout(r, blockS * 1000 + 200));
  const metrics = await curl(`http://127.0.0.1:${ports.metrics}/metrics`);
  expect(metrics.body).toMatch(/nidus_gateway_blocked_sources\{[^}]*protocol="mqtt"[^}]*\} 0\n/);
  const output = await publishFrom('127.0.0.2');
  expect(output).toContain('received CONNACK (0)');
  expect(output).toContain('received PUBACK');
});
