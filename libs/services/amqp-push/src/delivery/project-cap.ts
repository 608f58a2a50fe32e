import type { SessionStore } from '@nidus/persistence-core';
import type { MessageClaims } from './message-claims';
import type { MessageStore } from './message-store';

/** How long a pass may hold a project before another instance may start one (its holder died during it). */
const leaseMs = 10 * 60_000;
const leaseKey = 'amqp-cap';

/**
 * The size cap of a project's queued messages (spec 03 §6.6, E-21: per tenant): drops its oldest while it holds more
 * than the cap. One pass adds the sizes up, a second drops from the head until enough is gone, passing over those an
 * instance has claimed to send and those settled meanwhile. Both read a page at a time, so memory stays that of a page
 * however large the backlog (a list of every message would not be: 1 GB of small messages is millions). One instance
 * at a time passes over a project (a lease in the session store): two walking the same head would each drop the whole
 * excess.
 */
export class ProjectCap {
  constructor(
    private readonly messages: MessageStore,
    private readonly claims: MessageClaims,
    private readonly sessions: SessionStore,
    private readonly instanceId: string,
  ) {}

  /** What the project held and how many of its messages went; undefined when another instance is passing over it. */
  async apply(project: string, capBytes: number): Promise<{ total: number; evicted: number } | undefined> {
    if (!(await this.sessions.setIfAbsent(project, leaseKey, this.instanceId, leaseMs))) return undefined;
    try {
      let total = 0;
      for await (const m of this.messages.all(project)) total += Buffer.byteLength(m.data.body);
      let excess = total - capBytes;
      let evicted = 0;
      for await (const m of this.messages.all(project)) {
        if (excess <= 0) break;
        const drop = () => this.messages.remove(project, m.id);
        if (!(await this.claims.unlessClaimed(project, m.id, drop))) continue; // on its way to a consumer, or gone
        excess -= Buffer.byteLength(m.data.body);
        evicted++;
      }
      return { total, evicted };
    } finally {
      await this.sessions.compareAndSet(project, leaseKey, this.instanceId, undefined);
    }
  }
}
