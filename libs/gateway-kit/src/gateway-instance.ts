import { randomBytes } from 'node:crypto';
import {
  createEvent,
  deploymentTenant,
  gatewayInstanceAliveV1,
  gatewayMissedHeartbeats,
} from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import type { Logger } from '@nidus/ports';

/**
 * One running device gateway process as the rest of the platform sees it. Its `source`,
 * `nidus/<gateway>/<instance id>.<boot id>`, is the CloudEvents source of every event it publishes for its devices, and
 * it says it is alive on `iot.gateway.instance-alive.v1` at start and then every `intervalMs`: the registry reports the
 * devices of an instance that fell silent offline (ARCHITECTURE §4, status). The boot id makes a restarted process
 * (same host, same pid in a container) another instance, so the devices the last one held are reported offline too.
 * An instance that could not say it was alive for a while (its event loop stalled, the bus was down) may have been
 * taken as gone, its devices reported offline while still connected: when a heartbeat gets through after such a gap,
 * `onResumed` lets the gateway report them online again.
 */
export class GatewayInstance {
  readonly source: string;
  private timer: NodeJS.Timeout | undefined;
  /** When the bus last took a heartbeat, ms. */
  private lastBeat: number | undefined;
  private resumed: () => void = () => undefined;

  constructor(
    private readonly bus: EventBus,
    gateway: string,
    instanceId: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.source = `nidus/${gateway}/${instanceId}.${randomBytes(4).toString('hex')}`;
  }

  /** Says it is alive now (resolving once the bus holds that), then every interval until `stop`. */
  async start(): Promise<void> {
    await this.alive();
    this.timer = setInterval(() => {
      this.alive().catch((error: unknown) =>
        this.logger.warn({ err: error, source: this.source }, 'gateway heartbeat not published'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Runs `handler` when a heartbeat gets through more than two intervals after the previous one: the registry may have
   * taken this instance as gone (it judges at `gatewayMissedHeartbeats` behind the others; two leaves a margin).
   */
  onResumed(handler: () => void): void {
    this.resumed = handler;
  }

  private async alive(): Promise<void> {
    const at = Date.now();
    await this.bus.publish(gatewayInstanceAliveV1, [
      createEvent({
        type: gatewayInstanceAliveV1.type,
        source: this.source,
        subject: this.source,
        tenant: deploymentTenant,
        time: new Date(at),
        data: { interval_ms: this.intervalMs },
      }),
    ]);
    const gap = at - (this.lastBeat ?? at);
    this.lastBeat = at;
    if (gap > (gatewayMissedHeartbeats - 1) * this.intervalMs) {
      this.logger.warn({ source: this.source, gapMs: gap }, 'gateway heartbeat resumed after a gap');
      this.resumed();
    }
  }
}
