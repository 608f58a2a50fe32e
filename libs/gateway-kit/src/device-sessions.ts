import { type SessionStore, renewLease } from '@nidus/persistence-core';
import { deploymentTenant } from '@nidus/contracts';
import type { Logger } from '@nidus/ports';

/** A live connection of a device on some gateway instance: `{instance}/{connection}`. */
export type SessionOwner = string;

const channel = 'device-sessions';
const tenant = deploymentTenant; // device ids are unique in the instance (spec 02 §2.3)
const keyOf = (deviceId: string) => `session:${deviceId}`;

/**
 * One live session per device across every gateway instance (spec 01 §2.6.8 [Rec]), kept in the session store: a
 * new login claims the device's key and tells every instance; the instance holding an older connection of that
 * device closes it. A connection that ends releases the key only if it still owns it — so a connection that was
 * taken over never reports its device offline after the new one reported it online.
 */
export class DeviceSessions {
  private readonly local = new Map<string, { owner: SessionOwner; takenOver: () => void }>();
  private listener: { close(): Promise<void> } | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.store.subscribe(channel, (message) => this.onClaim(message));
  }

  ownerOf(connection: string): SessionOwner {
    return `${this.instance}/${connection}`;
  }

  /**
   * Makes `connection` the device's one session; `takenOver` runs when a later login of the same device (here or
   * on another instance) replaces it. `ttlMs` bounds how long the claim outlives an instance that died holding it.
   */
  async claim(deviceId: string, connection: string, takenOver: () => void, ttlMs: number): Promise<void> {
    const owner = this.ownerOf(connection);
    await this.store.set(tenant, keyOf(deviceId), owner, ttlMs); // first: the replaced connection's release now fails
    const previous = this.local.get(deviceId);
    this.local.set(deviceId, { owner, takenOver });
    if (previous && previous.owner !== owner) previous.takenOver();
    await this.store.publish(channel, JSON.stringify({ device_id: deviceId, owner }));
  }

  /**
   * Renews the connection's claim every `everyMs`, with lifetime `ttlMs`, until the returned timer is cleared.
   * `restored` runs when the session store had lost the claim (restarted without persistence) and it was set again;
   * a claim another connection holds now is left to it (its takeover notice closes this one).
   */
  keep(
    deviceId: string,
    connection: string,
    ttlMs: number,
    everyMs: number,
    restored: () => void,
  ): NodeJS.Timeout {
    const owner = this.ownerOf(connection);
    const key = keyOf(deviceId);
    const renew = async () => {
      if ((await renewLease(this.store, tenant, key, owner, ttlMs)) === 'restored') restored();
    };
    const timer = setInterval(() => {
      renew().catch((error: unknown) => this.logger.warn({ err: error, deviceId }, 'session renewal failed'));
    }, everyMs);
    timer.unref();
    return timer;
  }

  /** Ends the connection's session; true if it still owned the device (then it is the one to report it offline). */
  async release(deviceId: string, connection: string): Promise<boolean> {
    const owner = this.ownerOf(connection);
    if (this.local.get(deviceId)?.owner === owner) this.local.delete(deviceId);
    return this.store.compareAndSet(tenant, keyOf(deviceId), owner, undefined);
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }

  private onClaim(message: string): void {
    let claim: { device_id?: unknown; owner?: unknown };
    try {
      claim = JSON.parse(message) as typeof claim;
    } catch {
      this.logger.warn({ message }, 'unreadable session claim ignored');
      return;
    }
    if (typeof claim.device_id !== 'string' || typeof claim.owner !== 'string') return;
    const held = this.local.get(claim.device_id);
    if (held && held.owner !== claim.owner) {
      this.local.delete(claim.device_id);
      held.takenOver();
    }
  }
}
