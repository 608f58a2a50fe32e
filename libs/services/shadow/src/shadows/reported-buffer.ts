import type { Logger } from '@nidus/ports';

/** One service's reported values from one property report. */
export interface Report {
  readonly serviceId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Compact UTC: the report's own, or when the platform received it. */
  readonly eventTime: string;
}

type Write = (tenant: string, deviceId: string, reports: readonly Report[]) => Promise<void>;

/**
 * Devices a flush writes side by side. Each device is in a flush once, so their writes never meet; side by side they
 * share the store's commits and round trips (one at a time, 400 reports a second took more than 2.5 ms a device).
 */
const writersPerFlush = 32;

/**
 * Property reports on their way into the shadows, written behind (ADR 0010): a device reporting ten times a second
 * costs one document write per `flushMs`, not ten, and the bus consumer never waits for the store. Every reader of a
 * shadow (the API, a device's shadow get, a desired update) flushes that device first, so it sees every report
 * consumed so far. What a crash loses is the last `flushMs` of reported values in the shadow (the events themselves
 * stay on the bus); the next report of those properties restores them.
 */
export class ReportedBuffer {
  private dirty = new Map<string, { tenant: string; deviceId: string; reports: Report[] }>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** A flush waiting for its turn: it takes what is buffered when it starts, so a second one would add nothing. */
  private waiting: Promise<void> | undefined;

  constructor(
    private readonly flushMs: number,
    private readonly write: Write,
    private readonly logger: Logger,
  ) {}

  /** Buffers reports; a device's reports of one service merge (the newer value of a property wins). */
  add(tenant: string, deviceId: string, reports: readonly Report[]): void {
    const key = `${tenant}\u0000${deviceId}`;
    let entry = this.dirty.get(key);
    if (!entry) this.dirty.set(key, (entry = { tenant, deviceId, reports: [] }));
    for (const report of reports) {
      const i = entry.reports.findIndex((r) => r.serviceId === report.serviceId);
      if (i < 0) entry.reports.push(report);
      else
        entry.reports[i] = {
          serviceId: report.serviceId,
          properties: { ...entry.reports[i]!.properties, ...report.properties },
          eventTime: report.eventTime,
        };
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref(); // a graceful shutdown flushes
    }
  }

  /** Writes one device's buffered reports now, in turn with the flushes. */
  flushDevice(tenant: string, deviceId: string): Promise<void> {
    return this.serially(async () => {
      const key = `${tenant}\u0000${deviceId}`;
      const entry = this.dirty.get(key);
      if (!entry) return;
      this.dirty.delete(key);
      await this.write(tenant, deviceId, entry.reports);
    });
  }

  /**
   * Writes everything buffered when its turn comes. A flush that waits for its turn serves every later call until it
   * starts: when writes take longer than `flushMs`, the timer's flushes would otherwise queue up without end (a
   * 30-minute soak at 400 reports a second held thousands of them).
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting) return this.waiting;
    this.waiting = this.serially(async () => {
      this.waiting = undefined;
      const batch = this.dirty.values();
      this.dirty = new Map();
      const writer = async () => {
        for (const { tenant, deviceId, reports } of batch)
          await this.write(tenant, deviceId, reports).catch((error: unknown) =>
            this.logger.error({ err: error, deviceId }, 'reported values not written to the shadow'),
          );
      };
      await Promise.all(Array.from({ length: writersPerFlush }, writer));
    });
    return this.waiting;
  }

  /** One flush at a time, in order: a device's older reports never land on top of its newer ones. */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
