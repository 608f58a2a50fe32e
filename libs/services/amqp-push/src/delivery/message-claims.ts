import { type SessionStore, renewLease } from '@nidus/persistence-core';
import type { Logger } from '@nidus/ports';
import type { QueuedMessage } from './message-store';

/**
 * Which instance may send a stored message (ADR 0011). Receivers of one queue on different amqp-push instances read the
 * same store; without claims each instance would send every message to its own receivers.
 */
export interface MessageClaims {
  /**
   * Claims for this instance, in order, up to `room` of the messages that are not another's: what it took, and how
   * many of `messages` it looked at (the rest are for a later read).
   */
  take(project: string, messages: readonly QueuedMessage[], room: number): Promise<Taken>;
  /** Gives up claims of messages this instance will not send (its receivers went). */
  giveBack(project: string, ids: readonly string[]): void;
  /** The message was settled and is being removed: this instance holds it no longer. */
  forget(id: string): void;
  /**
   * Runs `drop` (the size cap's eviction) on a message that no instance holds, keeping every instance from claiming it
   * meanwhile; false, without running it, when one holds it (it is on its way to a consumer).
   */
  unlessClaimed(project: string, id: string, drop: () => Promise<boolean>): Promise<boolean>;
  /** Stops renewing. */
  close(): void;
}

export interface Taken {
  readonly taken: QueuedMessage[];
  readonly considered: number;
}

/** One process owns the store (the embedded shape): every message is this instance's, whatever the room. */
export const soleInstance: MessageClaims = {
  take: async (_project, messages) => ({ taken: [...messages], considered: messages.length }),
  giveBack: () => undefined,
  forget: () => undefined,
  unlessClaimed: (_project, _id, drop) => drop(),
  close: () => undefined,
};

/** How long a claim lasts without renewal, and how often held claims are renewed. */
export interface ClaimTiming {
  /** An instance that died holds its messages this long at most. */
  readonly claimMs: number;
  readonly renewalMs: number;
}

export const claimTiming: ClaimTiming = { claimMs: 60_000, renewalMs: 20_000 };

const claimKey = (id: string) => `amqp-claim:${id}`;

/**
 * Claims in the session store (the distributed shape): a message is claimed by setting its key, absent until then, to
 * the instance, with the claim's lifetime, so two instances that read it together cannot both claim it. Claims of
 * messages held here are renewed; a claim that ran out (its instance died) is taken over. The messages' documents are
 * not written: a claim costs the document store nothing (on FerretDB a versioned write was three).
 */
export class SessionClaims implements MessageClaims {
  /** Claimed here: the project of each, by message id. */
  private readonly held = new Map<string, string>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionStore,
    private readonly instance: string,
    private readonly logger: Logger,
    private readonly timing: ClaimTiming = claimTiming,
  ) {
    this.renewal = setInterval(() => void this.renew(), timing.renewalMs);
    this.renewal.unref();
  }

  async take(project: string, messages: readonly QueuedMessage[], room: number): Promise<Taken> {
    const taken: QueuedMessage[] = [];
    let considered = 0;
    while (taken.length < room && considered < messages.length) {
      const batch = messages.slice(considered, considered + room - taken.length);
      considered += batch.length;
      const ours = await Promise.all(batch.map((m) => this.claim(project, m.id)));
      batch.forEach((m, i) => ours[i] && taken.push(m));
    }
    return { taken, considered };
  }

  giveBack(project: string, ids: readonly string[]): void {
    for (const id of ids)
      if (this.held.delete(id))
        this.sessions
          .compareAndSet(project, claimKey(id), this.instance, undefined)
          .catch((error: unknown) =>
            this.logger.warn({ err: error, id }, 'amqp: message claim not given back'),
          );
  }

  /**
   * Its claim is left to run out: a read under way while the message was removed, here or on another instance, may
   * still return it, and must not find it free to send again.
   */
  forget(id: string): void {
    this.held.delete(id);
  }

  async unlessClaimed(project: string, id: string, drop: () => Promise<boolean>): Promise<boolean> {
    const dropper = `drop:${this.instance}`;
    if (!(await this.sessions.setIfAbsent(project, claimKey(id), dropper, this.timing.claimMs))) return false;
    // Once dropped, the claim is left to run out as a settled message's is: a read under way may still return it.
    return drop().catch(async (error: unknown) => {
      await this.sessions.compareAndSet(project, claimKey(id), dropper, undefined);
      throw error;
    });
  }

  close(): void {
    clearInterval(this.renewal);
  }

  /** Ours: held here already (read again after a rewind), or claimed now. */
  private async claim(project: string, id: string): Promise<boolean> {
    if (this.held.has(id)) return true;
    if (!(await this.sessions.setIfAbsent(project, claimKey(id), this.instance, this.timing.claimMs)))
      return false;
    this.held.set(id, project);
    return true;
  }

  /**
   * Extends the claims held here. One whose key is gone (the session store lost it) is set again unless another
   * instance claimed the message meanwhile; then that one sends it too (at least once) and it is no longer held here.
   */
  private async renew(): Promise<void> {
    const { claimMs } = this.timing;
    await Promise.all(
      [...this.held].map(async ([id, project]) => {
        // One given back or settled meanwhile is not to be claimed again.
        const stillHeld = () => this.held.get(id) === project;
        try {
          const lease = await renewLease(
            this.sessions,
            project,
            claimKey(id),
            this.instance,
            claimMs,
            stillHeld,
          );
          if (lease === 'lost' && stillHeld()) this.held.delete(id);
        } catch (error) {
          this.logger.warn({ err: error, id }, 'amqp: message claim not renewed');
        }
      }),
    );
  }
}
