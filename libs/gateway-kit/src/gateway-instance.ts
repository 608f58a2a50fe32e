import { randomBytes } from 'node:crypto';
import { createEvent, gatewayInstanceAliveV1 } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import type { Logger } from '@nidus/ports';

/** The tenant of deployment-wide events, which belong to no project. */
const deploymentTenant = 'instance';

/**
 * One running device gateway process as the rest of the platform sees it. Its `source`,
 * `nidus/<gateway>/<instance id>.<boot id>`, is the CloudEvents source of every event it publishes for its devices, and
 * it says it is alive on `iot.gateway.instance-alive.v1` at start and then every `intervalMs`: the registry reports the
 * devices of an instance that fell silent offline (ARCHITECTURE §4, status). The boot id makes a restarted process
 * (same host, same pid in a container) another instance, so the devices the last one held are reported offline too.
 */
export class GatewayInstance {
  readonly source: string;
  private timer: NodeJS.Timeout | undefined;

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

  private alive(): Promise<void> {
    return this.bus.publish(gatewayInstanceAliveV1, [
      createEvent({
        type: gatewayInstanceAliveV1.type,
        source: this.source,
        subject: this.source,
        tenant: deploymentTenant,
        data: { interval_ms: this.intervalMs },
      }),
    ]);
  }
}
