import { DocumentNotFoundError, VersionConflictError } from '@nidus/persistence-core';
import type { Clock, Logger } from '@nidus/ports';
import type { MessageStore, QueuedMessage } from './message-store';

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
  /** The message left the store (settled): its claim is over. */
  forget(id: string): void;
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
  close: () => undefined,
};

/** How long a claim lasts without renewal: an instance that died holds its messages this long at most. */
export const claimMs = 60_000;
const renewEveryMs = 20_000;

/**
 * Claims in the shared store (the distributed shape): a message is claimed by writing the instance and an expiry into
 * it under its version, so two instances that read it together cannot both claim it. Claims of messages held here are
 * renewed every 20 s; a claim that ran out (its instance died) is taken over.
 */
export class StoreClaims implements MessageClaims {
  /** Claimed here, as last written (its version), by message id. */
  private readonly held = new Map<string, { project: string; message: QueuedMessage }>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly store: MessageStore,
    private readonly instance: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    renewalMs = renewEveryMs,
  ) {
    this.renewal = setInterval(() => void this.renew(), renewalMs);
    this.renewal.unref();
  }

  async take(project: string, messages: readonly QueuedMessage[], room: number): Promise<Taken> {
    const now = this.clock.now();
    const picked: Promise<QueuedMessage | undefined>[] = [];
    let considered = 0;
    for (const m of messages) {
      if (picked.length >= room) break;
      considered++;
      const claim = m.data.claim;
      if (claim && claim.by !== this.instance && claim.until > now) continue; // another's
      const held = this.held.get(m.id);
      // Read again after a rewind: still ours (renewed meanwhile).
      picked.push(held ? Promise.resolve(held.message) : this.claim(project, m, now + claimMs));
    }
    const taken = (await Promise.all(picked)).filter((m) => m !== undefined);
    return { taken, considered };
  }

  giveBack(project: string, ids: readonly string[]): void {
    for (const id of ids) {
      const held = this.held.get(id);
      this.held.delete(id);
      if (held) void this.write(project, held.message, undefined);
    }
  }

  forget(id: string): void {
    this.held.delete(id);
  }

  close(): void {
    clearInterval(this.renewal);
  }

  /** Extends the claims held here; one given back or settled meanwhile is let go again. */
  private async renew(): Promise<void> {
    const until = this.clock.now() + claimMs;
    for (const [id, { project, message }] of [...this.held]) {
      if (this.held.get(id)?.message !== message) continue;
      const written = await this.write(project, message, { by: this.instance, until });
      if (this.held.get(id)?.message !== message) {
        if (written) void this.write(project, written, undefined); // given back while it was renewed
      } else if (written) this.held.set(id, { project, message: written });
      else this.held.delete(id); // taken over or gone
    }
  }

  private async claim(project: string, message: QueuedMessage, until: number) {
    const written = await this.write(project, message, { by: this.instance, until });
    if (written) this.held.set(message.id, { project, message: written });
    return written;
  }

  /** Writes the claim (or none) under the message's version; undefined if another changed or deleted it meanwhile. */
  private async write(
    project: string,
    message: QueuedMessage,
    claim: { by: string; until: number } | undefined,
  ): Promise<QueuedMessage | undefined> {
    const { claim: _old, ...data } = message.data;
    try {
      return await this.store.replace(project, message, claim ? { ...data, claim } : data);
    } catch (error) {
      if (!(error instanceof VersionConflictError || error instanceof DocumentNotFoundError))
        this.logger.warn({ err: error, id: message.id }, 'amqp: message claim not written');
      return undefined;
    }
  }
}
