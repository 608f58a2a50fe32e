import { register } from '../bench-devices';
import { type Rig, scrape } from '../rigs';
import { rssMb } from '../run-load';
import { Application, simServices } from '../sim/application';
import { Fleet, draining, sleep } from '../sim/fleet';
import type { Ledger } from '../sim/seq-set';

// One fault scenario under load: a fresh product, devices and queue; the fleet reports at a steady rate; the fault is
// injected (and healed by the scenario itself, as an operator's supervisor would); then the fleet stops and the run
// waits for what was acknowledged to reach the application. Every figure comes from the devices' and the
// application's own counts, per device and sequence number.

export interface Context {
  readonly rig: Rig;
  readonly fleet: Fleet;
  readonly app: Application;
}

export interface Scenario {
  readonly name: string;
  readonly shapes: readonly Rig['shape'][];
  /** Count deliveries at the HTTP push endpoint rather than at the AMQP queue. */
  readonly http?: boolean;
  /** The application sends queued commands to the devices all along (a second row counts them). */
  readonly commands?: boolean;
  /** Settings of its own: the scenario gets a deployment of its own, started with them. */
  readonly env?: Record<string, string>;
  /** Injects the fault and heals it; resolves when the scenario has done its part. */
  readonly inject: (ctx: Context) => Promise<void>;
}

export interface Row {
  readonly scenario: string;
  readonly sent: number;
  readonly acked: number;
  readonly delivered: number;
  /**
   * Not delivered by the channel's own rule: HTTP pushes failed, dropped while the host was paused, overflowed; AMQP
   * messages evicted for the project's size cap, or expired.
   */
  readonly dropped: number;
  /** Acknowledged, not delivered, and not dropped by rule: lost. */
  readonly lostAfterAck: number;
  readonly duplicates: number;
  readonly reordered: number;
  /** The largest RSS of any process of the deployment during the scenario, in MB, and whose. */
  readonly peakRss?: { readonly mb: number; readonly name: string };
  /** Seconds from the fault until the flow had recovered (see `recovery`); NaN: not while the load lasted. */
  readonly recoveryS?: number;
  readonly note?: string;
}

export interface TrialOptions {
  readonly devices: number;
  readonly rate: number;
  readonly warmS: number;
  /** How long the load goes on after the scenario's `inject` resolved. */
  readonly afterS: number;
  /** The most a run waits for acknowledged reports to arrive once the devices stopped. */
  readonly drainS: number;
}

interface Sample {
  readonly at: number;
  readonly acked: number;
  readonly delivered: number;
  readonly online: number;
}

let runs = 0;

export async function trial(rig: Rig, scenario: Scenario, o: TrialOptions): Promise<Row[]> {
  const run = ++runs;
  const logins = await register(rig.target, o.devices, run * 100_000, simServices);
  const app = await Application.start(
    rig.target,
    rig.amqpPort,
    `faults${run}q${Date.now() % 1e6}`,
    scenario.http,
  );
  const fleet = new Fleet({ endpoints: rig.gateways, logins, rate: o.rate, messageShare: 0.2, window: 16 });
  const ledger: Ledger = scenario.http ? app.http : app.amqp;
  const samples: Sample[] = [];
  const sampler = setInterval(
    () =>
      samples.push({
        at: Date.now(),
        acked: fleet.ackCount,
        delivered: ledger.delivered,
        online: fleet.online,
      }),
    250,
  );
  const drops = () =>
    scenario.http
      ? scrape(rig.metrics.get(rig.rules)!, 'nidus_pushes_total', {
          channel: ['HTTP_FORWARDING'],
          outcome: ['failed', 'blacklisted', 'overflow'],
        })
      : scrape(rig.metrics.get(rig.queues)!, 'nidus_pushes_total', {
          channel: ['AMQP_FORWARDING'],
          outcome: ['evicted', 'expired'],
        });
  const dropsBefore = await drops();
  // The most memory any process of the deployment held meanwhile (a restarted one is read under its new pid).
  let peak = { mb: 0, name: '' };
  const rss = setInterval(() => {
    for (const name of rig.deployment.names()) {
      const mb = rssOf(rig, name);
      if (mb > peak.mb) peak = { mb, name };
    }
  }, 1_000);
  try {
    await fleet.connect();
    fleet.run();
    if (scenario.commands)
      app.command(
        logins.map((l) => l.username!),
        Math.max(10, o.rate / 10),
      );
    await sleep(o.warmS * 1000);
    const faultAt = Date.now();
    await scenario.inject({ rig, fleet, app });
    const healedAt = Date.now();
    await sleep(o.afterS * 1000);
    fleet.pause();
    await app.stopCommands();
    await fleet.settled(o.drainS * 1000);
    const acked = [...fleet.ackedByDevice().values()].reduce((n, s) => n + s.size, 0);
    await draining(() => ledger.missing(fleet.ackedByDevice()), o.drainS * 1000);
    await draining(() => fleet.commands.missing(app.commandsAcked), o.drainS * 1000);
    // a process restarted meanwhile counts from 0 again
    const dropped = Math.max(0, (await drops()) - dropsBefore);
    const lostAfterAck = Math.max(0, ledger.missing(fleet.ackedByDevice()) - dropped);
    const notes: string[] = [...app.amqpErrors].map(([e, n]) => `AMQP: ${e} ×${n}`);
    if (fleet.drops > 0) notes.push(`device connections dropped ×${fleet.drops}`);
    if (lostAfterAck > 0 && !scenario.http && rig.queued)
      notes.push(`${await rig.queued(app.queue)} still in the queue's store`);
    const rows: Row[] = [
      {
        scenario: scenario.name,
        sent: fleet.sent,
        acked,
        delivered: ledger.delivered,
        dropped,
        lostAfterAck,
        peakRss: peak,
        duplicates: ledger.duplicates,
        reordered: ledger.reordered,
        recoveryS: recovery(samples, faultAt, healedAt, o.rate, o.devices),
        ...(notes.length ? { note: notes.join('; ') } : {}),
      },
    ];
    if (scenario.commands)
      rows.push({
        scenario: `${scenario.name}: commands`,
        sent: app.commandsSent,
        acked: app.commandsAckedCount,
        delivered: fleet.commands.delivered,
        dropped: 0,
        lostAfterAck: fleet.commands.missing(app.commandsAcked),
        ...(app.commandRefusals.size
          ? { note: `not accepted: ${[...app.commandRefusals].map(([k, n]) => `${k} ×${n}`).join(', ')}` }
          : {}),
        duplicates: fleet.commands.duplicates,
        reordered: fleet.commands.reordered,
      });
    return rows;
  } finally {
    clearInterval(sampler);
    clearInterval(rss);
    fleet.stop();
    await app
      .stop()
      .catch((error: Error) => console.warn(`  cleanup after ${scenario.name}: ${error.message}`));
  }
}

/**
 * Seconds from the fault to the first sample, once the scenario is done with it (`healedAt`), at which the flow had
 * recovered: every device online, acks over the 2 s before at half the offered rate at least, and as many reports
 * delivered as had been acknowledged when the fault began. NaN when that never happened before the load ended.
 */
function recovery(
  samples: readonly Sample[],
  faultAt: number,
  healedAt: number,
  rate: number,
  devices: number,
): number {
  const ackedAtFault = [...samples].reverse().find((s) => s.at <= faultAt)?.acked ?? 0;
  for (const s of samples) {
    if (s.at < healedAt) continue;
    const before = samples.find((b) => b.at >= s.at - 2_000)!;
    const seconds = (s.at - before.at) / 1000;
    const flowing = seconds >= 1 && (s.acked - before.acked) / seconds >= rate / 2;
    if (s.online === devices && flowing && s.delivered >= ackedAtFault) return (s.at - faultAt) / 1000;
  }
  return Number.NaN;
}

/** A process's RSS in MB; 0 while it is down. */
function rssOf(rig: Rig, name: string): number {
  try {
    return rssMb(rig.deployment.pid(name));
  } catch {
    return 0;
  }
}
