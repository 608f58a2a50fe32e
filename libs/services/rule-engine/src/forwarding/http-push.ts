import type { ForwardingMetrics } from '@nidus/platform-observability';
import type { Clock, Logger } from '@nidus/ports';

/** Spec 03 §6.5: success is 200 within 15 s; 10 failures in a row pause the host for 5 minutes. */
const timeoutMs = 15_000;
const failuresToPause = 10;
const pauseMs = 5 * 60_000;
/** Pushes of one action waiting or in flight, beyond which new ones are dropped and counted (spec 03 §6.5 [IMPL]). */
const maxWaitingPerAction = 10_000;

interface HostState {
  failures: number;
  pausedUntil: number;
}

/**
 * HTTP(S) push (spec 03 §6.5): a POST of the push JSON per forwarded event, at most once. Pushes of one action for one
 * device go in order, one at a time (a lane); lanes run side by side. A host (`scheme://host:port`) that failed 10
 * times in a row is paused for 5 minutes: its pushes are dropped and counted meanwhile, and the first failure after
 * the pause pauses it again. Nothing is kept across a restart (ADR 0011).
 */
export class HttpPush {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, number>();
  private readonly hosts = new Map<string, HostState>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: ForwardingMetrics,
    private readonly logger: Logger,
  ) {}

  /** Queues one push on its lane; resolves at once (the bus position does not wait for the application). */
  push(actionId: string, url: string, deviceKey: string, body: unknown): void {
    const waiting = this.waiting.get(actionId) ?? 0;
    if (waiting >= maxWaitingPerAction) {
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'overflow' });
      return;
    }
    this.waiting.set(actionId, waiting + 1);
    const lane = `${actionId}\u0000${deviceKey}`;
    const next = (this.lanes.get(lane) ?? Promise.resolve()).then(() => this.send(url, body));
    this.lanes.set(lane, next);
    void next.finally(() => {
      if (this.lanes.get(lane) === next) this.lanes.delete(lane);
      const left = (this.waiting.get(actionId) ?? 1) - 1;
      if (left > 0) this.waiting.set(actionId, left);
      else this.waiting.delete(actionId);
    });
  }

  /** Waits for every push queued so far (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
  }

  private async send(url: string, body: unknown): Promise<void> {
    const host = new URL(url).origin;
    const state = this.hosts.get(host) ?? { failures: 0, pausedUntil: 0 };
    if (this.clock.now() < state.pausedUntil) {
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'blacklisted' });
      return;
    }
    let problem: string | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined); // the connection goes back to the pool
      if (res.status !== 200) problem = `answered ${res.status}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === undefined) {
      this.hosts.delete(host);
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'delivered' });
      return;
    }
    state.failures++;
    if (state.failures >= failuresToPause) {
      state.pausedUntil = this.clock.now() + pauseMs;
      state.failures = failuresToPause - 1; // after the pause, one more failure pauses it again
      this.logger.warn({ host, pauseMs }, 'push host paused after consecutive failures');
    }
    this.hosts.set(host, state);
    this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'failed' });
    this.logger.debug({ host, problem }, 'push failed');
  }
}
