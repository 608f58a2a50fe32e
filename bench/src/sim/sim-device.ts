import { type Socket, connect } from 'node:net';
import { type Packet, generate, parser } from 'mqtt-packet';
import { type DeviceLogin, connectPacket } from '../mqtt-load';
import { SeqSet } from './seq-set';

// One simulated IoTDA device on a raw socket (mqtt-packet): thousands fit in one process. It signs in as the IoTDA
// SDKs do, reports with a sequence number per device, answers commands, and when its connection drops it comes back
// after a jittered back-off, to the next gateway in its list, re-sending what was never acknowledged.

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** What the fleet needs to hear from a device. */
export interface DeviceEvents {
  /** `afterMs`: how long it was without a connection; undefined for its first. */
  connected(d: SimDevice, afterMs: number | undefined): void;
  refused(d: SimDevice, code: number): void;
  dropped(d: SimDevice): void;
  acked(d: SimDevice, seq: number, latencyMs: number): void;
  /** A command arrived; `n` is the number the application put in its `paras`. */
  command(d: SimDevice, n: number | undefined): void;
}

interface Inflight {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly sentAt: number;
}

const keepaliveS = 60;
const connectTimeoutMs = 10_000;

export class SimDevice {
  readonly id: string;
  /** Numbers acknowledged by a PUBACK. */
  readonly acked = new SeqSet();
  connected = false;
  sent = 0;
  private socket?: Socket;
  private seq = 0;
  private nextPacketId = 1;
  private readonly inflight = new Map<number, Inflight>();
  /** Published and not acknowledged when the connection dropped: sent again after the next CONNACK. */
  private resend: Inflight[] = [];
  private attempts = 0;
  private endpointIndex: number;
  private downSince = Date.now();
  private everConnected = false;
  private stopped = false;
  private lastWrite = 0;

  constructor(
    private readonly login: DeviceLogin,
    private readonly endpoints: readonly Endpoint[],
    private readonly events: DeviceEvents,
    index: number,
  ) {
    this.id = login.username!;
    this.endpointIndex = index % endpoints.length;
  }

  get inflightCount(): number {
    return this.inflight.size + this.resend.length;
  }

  start(): void {
    const { host, port } = this.endpoints[this.endpointIndex]!;
    const socket = connect(port, host);
    this.socket = socket;
    socket.setNoDelay(true);
    const p = parser();
    p.on('packet', (packet: Packet) => this.onPacket(packet));
    p.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => p.parse(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(answer);
      this.onClose(socket);
    });
    // A gateway that takes the connection and never answers: give up on it as the SDKs do.
    const answer = setTimeout(() => this.connected || socket.destroy(), connectTimeoutMs).unref();
    this.write(connectPacket(this.login, keepaliveS));
  }

  /** Publishes the next number: a property report, or a device message when `message`. */
  report(message: boolean): void {
    const seq = ++this.seq;
    const topic = message ? `$oc/devices/${this.id}/sys/messages/up` : this.login.topic;
    const payload = Buffer.from(
      message
        ? JSON.stringify({ seq, t: Date.now() })
        : `{"services":[{"service_id":"Sim","properties":{"seq":${seq},"t":${Date.now()}}}]}`,
    );
    this.sent++;
    this.publish({ seq, topic, payload, sentAt: performance.now() });
  }

  /** Sends PINGREQ when the device said nothing for half its keepalive. */
  keepAlive(now: number): void {
    if (this.connected && now - this.lastWrite > (keepaliveS * 1000) / 2)
      this.write(generate({ cmd: 'pingreq' }));
  }

  /** Closes the connection for good. */
  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
  }

  /** Drops the connection as a crashing device would; it comes back after its back-off. */
  drop(): void {
    this.socket?.destroy();
  }

  private publish(m: Inflight): void {
    if (!this.connected) {
      this.resend.push(m);
      return;
    }
    const messageId = this.nextPacketId;
    this.nextPacketId = this.nextPacketId === 65535 ? 1 : this.nextPacketId + 1;
    this.inflight.set(messageId, m);
    this.write(
      generate({
        cmd: 'publish',
        topic: m.topic,
        payload: m.payload,
        qos: 1,
        messageId,
        retain: false,
        dup: false,
      }),
    );
  }

  private write(buffer: Buffer): void {
    this.lastWrite = Date.now();
    this.socket?.write(buffer);
  }

  private onPacket(packet: Packet): void {
    if (packet.cmd === 'connack') {
      if (packet.returnCode !== 0) {
        this.events.refused(this, packet.returnCode ?? -1);
        this.socket?.destroy();
        return;
      }
      this.connected = true;
      this.attempts = 0;
      this.events.connected(this, this.everConnected ? Date.now() - this.downSince : undefined);
      this.everConnected = true;
      const again = this.resend;
      this.resend = [];
      again.forEach((m) => this.publish(m));
    } else if (packet.cmd === 'puback') {
      const m = this.inflight.get(packet.messageId!);
      if (!m) return;
      this.inflight.delete(packet.messageId!);
      this.acked.add(m.seq);
      this.events.acked(this, m.seq, performance.now() - m.sentAt);
    } else if (packet.cmd === 'publish') {
      const prefix = `$oc/devices/${this.id}/sys/commands/request_id=`;
      if (!packet.topic.startsWith(prefix)) return;
      let n: number | undefined;
      try {
        n = (JSON.parse(packet.payload.toString()) as { paras?: { n?: number } }).paras?.n;
      } catch {
        // not JSON: counted without a number
      }
      this.events.command(this, n);
      this.write(
        generate({
          cmd: 'publish',
          topic: `$oc/devices/${this.id}/sys/commands/response/request_id=${packet.topic.slice(prefix.length)}`,
          payload: Buffer.from('{"result_code":0,"response_name":"OK","paras":{}}'),
          qos: 0,
          retain: false,
          dup: false,
        }),
      );
    }
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    if (this.connected) {
      this.connected = false;
      this.downSince = Date.now();
      this.events.dropped(this);
    }
    // Whatever was not acknowledged goes again, in its order, on the next connection.
    this.resend = [...this.inflight.values(), ...this.resend].sort((a, b) => a.seq - b.seq);
    this.inflight.clear();
    if (this.stopped) return;
    this.endpointIndex = (this.endpointIndex + 1) % this.endpoints.length;
    // Back-off: 250 ms doubling up to 8 s, each a random part of it (full jitter).
    const ceiling = Math.min(8_000, 250 * 2 ** this.attempts++);
    setTimeout(() => this.start(), Math.random() * ceiling).unref();
  }
}
