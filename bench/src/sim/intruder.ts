import { connect } from 'node:net';
import { connectPacket } from '../mqtt-load';

// The flood of `npm run bench:flood` (issue 7, line 5), run as its own process so that its work does not delay the
// legitimate devices' measurements: from `sources` addresses of the loopback network (127.0.<subnet>.1, .2, …), each
// with `perSource` connections at a time, CONNECTs that must fail, one after another for `seconds` (at most `rate`
// a second):
// - a known device with a wrong password,
// - an unknown device (the gateway asks the registry about it),
// - bytes that are no MQTT: a reserved packet type, or a CONNECT announcing 256 MB.
// It prints one JSON line of what the gateway answered. Argument: a JSON `IntruderPlan`.

export interface IntruderPlan {
  readonly host: string;
  /** The gateways' MQTT ports; the connections take them in turn. */
  readonly ports: readonly number[];
  /** Its addresses are 127.0.<subnet>.1 and on. */
  readonly subnet: number;
  readonly sources: number;
  readonly perSource: number;
  readonly seconds: number;
  /** Attempts a second, all connections together; 0: as fast as the gateways answer. */
  readonly rate: number;
  /** Device ids the registry knows (their passwords are never the one sent). */
  readonly devices: readonly string[];
}

export interface IntruderResult {
  readonly attempts: number;
  /** Attempts a second. */
  readonly rate: number;
  /** CONNACK return codes received, by code. */
  readonly connacks: Record<string, number>;
  /** Connections closed with no CONNACK (broken packets; a blocked source's TLS). */
  readonly closedUnanswered: number;
  /** Connections that could not be made. */
  readonly failedToConnect: number;
}

const timestamp = '2026010100';
const broken = [
  Buffer.from([0x00, 0x02, 0xff, 0xff]), // packet type 0 is reserved
  Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), // a CONNECT of 268 435 455 bytes
];

function attempt(
  host: string,
  port: number,
  address: string,
  bytes: Buffer,
): Promise<number | 'closed' | 'failed'> {
  return new Promise((resolve) => {
    let outcome: number | 'closed' | 'failed' = 'failed';
    const socket = connect({ host, port, localAddress: address }, () => {
      outcome = 'closed';
      socket.write(bytes);
    });
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (data) => {
      if (data[0] === 0x20 && data.length >= 4) outcome = data[3]!;
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(outcome));
  });
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as IntruderPlan;
  const connacks: Record<string, number> = {};
  let attempts = 0;
  let closedUnanswered = 0;
  let failedToConnect = 0;
  const started = Date.now();
  const end = started + plan.seconds * 1000;
  let slots = 0;
  /** Waits for the next of the `rate` slots a second. */
  const paced = async () => {
    if (plan.rate <= 0) return;
    const at = started + (slots++ * 1000) / plan.rate;
    if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
  };
  const loops = Array.from({ length: plan.sources * plan.perSource }, async (_, i) => {
    const address = `127.0.${plan.subnet}.${1 + (i % plan.sources)}`;
    const port = plan.ports[i % plan.ports.length]!;
    for (let n = i; Date.now() < end; n++) {
      await paced();
      if (Date.now() >= end) break;
      const device = plan.devices[n % plan.devices.length]!;
      const kind = n % 3;
      const bytes =
        kind === 2
          ? broken[n % broken.length]!
          : connectPacket({
              clientId: `${kind === 0 ? device : `${device}x${n}`}_0_0_${timestamp}`,
              username: kind === 0 ? device : `${device}x${n}`,
              password: '0'.repeat(64),
              topic: '',
            });
      const outcome = await attempt(plan.host, port, address, bytes);
      attempts++;
      if (outcome === 'closed') closedUnanswered++;
      else if (outcome === 'failed') {
        failedToConnect++;
        await new Promise((r) => setTimeout(r, 100));
      } else connacks[outcome] = (connacks[outcome] ?? 0) + 1;
    }
  });
  await Promise.all(loops);
  const seconds = (Date.now() - started) / 1000;
  const result: IntruderResult = {
    attempts,
    rate: attempts / seconds,
    connacks,
    closedUnanswered,
    failedToConnect,
  };
  console.log(JSON.stringify(result));
}

if (require.main === module)
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
