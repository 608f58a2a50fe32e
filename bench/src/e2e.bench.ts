import { mkdtempSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventContext, create_container } from 'rhea';
import { defaultStartupMs } from '@nidus/messaging-memory';
import { register } from './bench-devices';
import { agent, call, embedded } from './nidus-target';
import { runLoad } from './run-load';
import { freePorts } from '@nidus/testing';

// Device to application (issue 6): IoTDA devices (raw MQTT sockets, bench/src/mqtt-load.ts) send QoS 1 property
// reports; a routing rule selects three fields and forwards them to an AMQP queue that a rhea application consumes
// and to an HTTP server; both measure messages received per second and the latency from the device's publish to the
// application's receipt (the publish time travels in the report). The embedded server is pinned to CPU 0, the load
// generator and the applications (this process) to CPU 1. Phases: as fast as the devices can publish (8 in flight
// each), then half the AMQP rate measured there.
// Usage: npm run bench:e2e [-- devices=200 seconds=10]

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const devices = Number(args['devices'] ?? 200);
const seconds = Number(args['seconds'] ?? 10);
const work = mkdtempSync(join(tmpdir(), 'nidus-bench-e2e-'));
const serverCpu = '0';
const loadCpu = '1';
const stamp = '@@SENT@@';
const payload = JSON.stringify({
  services: [{ service_id: 'Meter', properties: { value: 42, voltage: 229.5, note: stamp } }],
});

/** Receipts of one application: when each message arrived and how long after its device sent it. */
class Receipts {
  readonly at: number[] = [];
  readonly latencyMs: number[] = [];
  add(body: string): void {
    const now = performance.timeOrigin + performance.now();
    const sent = Number((JSON.parse(body) as { t: string }).t);
    this.at.push(now);
    this.latencyMs.push(now - sent);
  }
  /** Messages a second and latency percentiles of what arrived from `from` (ms since epoch) on. */
  since(from: number, to: number) {
    const picked = this.latencyMs
      .filter((_, i) => this.at[i]! >= from && this.at[i]! < to)
      .sort((a, b) => a - b);
    const pct = (p: number) => picked[Math.min(picked.length - 1, Math.floor(picked.length * p))] ?? 0;
    return {
      perSecond: picked.length / ((to - from) / 1000),
      p50: pct(0.5),
      p99: pct(0.99),
      count: picked.length,
    };
  }
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

async function main(): Promise<void> {
  const api = await freePorts(4);
  const [mqtt, amqp] = [api + 1, api + 2];
  const t = await embedded(
    api,
    {
      MQTT_PORT: String(mqtt),
      MQTTS_PORT: '0',
      MQTT_WS_PORT: '0',
      MQTT_CONNECTION_BYTES_PER_S: '0',
      AMQP_PORT: String(amqp),
    },
    serverCpu,
  );
  const started = Date.now();
  const http = new Receipts();
  const queue = new Receipts();
  let server: Server | undefined;
  try {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        http.add(text);
        res.end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const logins = await register(t, devices);
    const code = JSON.parse((await call(t, 'POST', '/auth/accesscode', {})).body) as Record<string, string>;
    const select =
      "notify_data.header.device_id AS d, GET_SERVICE_PROPERTIES('Meter').value AS v, " +
      "GET_SERVICE_PROPERTIES('Meter').note AS t";
    for (const action of [
      { channel: 'AMQP_FORWARDING', channel_detail: { amqp_forwarding: { queue_name: 'DefaultQueue' } } },
      {
        channel: 'HTTP_FORWARDING',
        channel_detail: {
          http_forwarding: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
        },
      },
    ]) {
      const rule = await call(t, 'POST', '/routing-rule/rules', {
        subject: { resource: 'device.property', event: 'report' },
        select,
        where: "GET_SERVICE_PROPERTIES('Meter').value > 10",
      });
      const ruleId = (JSON.parse(rule.body) as { rule_id: string }).rule_id;
      const added = await call(t, 'POST', '/routing-rule/actions', { rule_id: ruleId, ...action });
      if (added.status !== 201) throw new Error(`action: ${added.status} ${added.body}`);
      await call(t, 'PUT', `/routing-rule/rules/${ruleId}`, { active: true });
    }
    const container = create_container();
    const connection = container.connect({
      host: '127.0.0.1',
      port: amqp,
      hostname: 'default',
      username: `accessKey=${code['access_key']}|timestamp=${Date.now()}`,
      password: code['access_code'],
      reconnect: false,
    });
    connection.open_receiver({ source: 'DefaultQueue', credit_window: 1000 });
    container.on('message', (ctx: EventContext) => queue.add(ctx.message!.body as string));
    await new Promise((r) => setTimeout(r, Math.max(0, started + defaultStartupMs + 1_000 - Date.now())));

    console.log(
      `bench:e2e — ${devices} devices, QoS 1 reports → rule → AMQP queue (rhea) and HTTP, ${seconds} s`,
    );
    const base = {
      port: mqtt,
      serverPid: t.pid,
      devices: logins,
      payload,
      stamp,
      warmupS: 2,
      durationS: seconds,
    };
    const phase = async (name: string, plan: Parameters<typeof runLoad>[0]) => {
      // The window: past the logins (about a second) and the warm-up, until the devices stop.
      const begin = Date.now();
      const result = await runLoad(plan, work, loadCpu);
      await new Promise((r) => setTimeout(r, 2_000)); // what is still on its way
      const [from, to] = [begin + ((plan.warmupS ?? 2) + 2) * 1000, begin + (seconds + 2) * 1000];
      const rows = { AMQP: queue.since(from, to), HTTP: http.since(from, to) };
      console.log(`  ${name}: devices published ${fmt(result.perSecond)}/s (acked)`);
      for (const [channel, r] of Object.entries(rows))
        console.log(
          `    ${channel.padEnd(5)} received ${fmt(r.perSecond)}/s   publish → receipt p50 ${fmt(r.p50, 1)} ms   p99 ${fmt(r.p99, 1)} ms`,
        );
      return rows.AMQP.perSecond;
    };
    const peak = await phase('peak, 8 in flight per device', { ...base, mode: 'throughput', window: 8 });
    await phase(`half the AMQP peak (${Math.round(peak / 2)}/s offered)`, {
      ...base,
      mode: 'rate',
      rate: Math.round(peak / 2),
    });
    connection.close();
  } finally {
    server?.close();
    await t.stop();
    agent.destroy();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
