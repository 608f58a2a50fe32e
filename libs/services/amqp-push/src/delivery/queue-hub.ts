import type { Logger } from '@nidus/ports';
import { type MessageClaims, soleInstance } from './message-claims';
import type { MessageStore, QueuedMessage } from './message-store';

/** One receiver link of an application on a queue (spec 03 §6.7.4), as the hub drives it. */
export interface Outlet {
  readonly project: string;
  readonly queue: string;
  /** How many more messages the link has credit for now. */
  room(): number;
  send(message: QueuedMessage): void;
  /** Detaches the link with an AMQP error condition. */
  close(condition: string, description: string): void;
}

/** How an application settled a message: accepted and rejected ones leave the queue, released ones go back. */
export type Outcome = 'accepted' | 'rejected' | 'released';

/** A queue with receivers in this process: what was read from the store and not yet sent, and what is unsettled. */
interface QueueState {
  readonly project: string;
  readonly queue: string;
  readonly outlets: Outlet[];
  /** Read from the store, not yet sent; ordered by id. */
  ready: QueuedMessage[];
  /** Sent and not settled, by id, with the outlet it went to. */
  readonly unsettled: Map<string, Outlet>;
  /** The largest id read; the next read starts after it. */
  cursor?: string;
  /** The store may hold more after the cursor. */
  more: boolean;
  reading: boolean;
  /** Counts `appended` calls: a read that saw it change knows its answer may already be short of the store. */
  appends: number;
  /** Round-robin position among the outlets (competing consumers). */
  turn: number;
}

const readBatch = 256;
/**
 * Messages a receiver may hold unsettled, whatever credit it grants: what the server keeps in memory for a consumer
 * that never settles (JMS's default prefetch is 1 000, the IoTDA C# sample's credit 20).
 */
export const maxUnsettledPerReceiver = 1_000;

/**
 * Moves queued messages to receiver links against their credit, at least once (spec 03 §6.6–§6.7.4): a message leaves
 * the store when accepted (or rejected); released, or unsettled when its link or connection goes, it goes back to the
 * head of the queue for the next receiver. Receivers of one queue compete: each message goes to one of them, in turn;
 * across instances, a message goes only to receivers of the instance that claimed it (MessageClaims).
 */
export class QueueHub {
  private readonly queues = new Map<string, QueueState>();
  private readonly held = new Map<Outlet, number>();
  /** Settled messages whose removal from the store is under way: a read meanwhile must not send them again. */
  private readonly removing = new Set<string>();
  private readonly projectClosers: ((project: string) => void)[] = [];

  constructor(
    private readonly messages: MessageStore,
    private readonly logger: Logger,
    private readonly claims: MessageClaims = soleInstance,
  ) {}

  attach(outlet: Outlet): void {
    const key = keyOf(outlet.project, outlet.queue);
    let state = this.queues.get(key);
    if (!state) {
      state = {
        project: outlet.project,
        queue: outlet.queue,
        outlets: [],
        ready: [],
        unsettled: new Map(),
        more: true,
        reading: false,
        appends: 0,
        turn: 0,
      };
      this.queues.set(key, state);
    }
    state.outlets.push(outlet);
    this.pump(state);
  }

  /** The link or its connection went: what it had unsettled goes back to the queue. */
  detach(outlet: Outlet): void {
    const key = keyOf(outlet.project, outlet.queue);
    const state = this.queues.get(key);
    this.held.delete(outlet);
    if (!state || !state.outlets.includes(outlet)) return;
    state.outlets.splice(state.outlets.indexOf(outlet), 1);
    const back: string[] = [];
    for (const [id, holder] of state.unsettled) if (holder === outlet) back.push(id);
    back.forEach((id) => state.unsettled.delete(id));
    if (state.outlets.length === 0 && state.unsettled.size === 0) {
      this.queues.delete(key); // the store keeps everything not accepted; the next receiver reads from the head
      this.claims.giveBack(state.project, [...back, ...state.ready.map((m) => m.id)]);
      return;
    }
    if (back.length > 0) this.rewind(state);
    this.pump(state);
  }

  /** The outlet's link got credit. */
  sendable(outlet: Outlet): void {
    const state = this.queues.get(keyOf(outlet.project, outlet.queue));
    if (state) this.pump(state);
  }

  settled(outlet: Outlet, message: QueuedMessage, outcome: Outcome): void {
    const state = this.queues.get(keyOf(outlet.project, outlet.queue));
    if (!state?.unsettled.delete(message.id)) return;
    this.held.set(outlet, (this.held.get(outlet) ?? 1) - 1);
    if (outcome === 'released') {
      this.rewind(state);
    } else {
      if (outcome === 'rejected')
        this.logger.warn(
          { project: state.project, queue: state.queue, id: message.id },
          'amqp: message rejected, dropped',
        );
      this.claims.forget(message.id);
      this.removing.add(message.id);
      this.messages
        .remove(state.project, message.id)
        .finally(() => this.removing.delete(message.id))
        .catch((error: unknown) =>
          this.logger.error(
            { err: error, queue: state.queue, id: message.id },
            'amqp: settled message not removed',
          ),
        );
    }
    this.pump(state);
  }

  /** New messages were stored for the queue (by this process, or seen by the poll for others'). */
  appended(project: string, queue: string): void {
    const state = this.queues.get(keyOf(project, queue));
    if (!state) return;
    state.more = true;
    state.appends++;
    this.pump(state);
  }

  /**
   * Every queue with a receiver waiting for more reads the store again from its head (other instances' appends); not
   * one whose read is under way: that read would be thrown away and begun again from the head, over and over on a slow
   * store.
   */
  poll(): void {
    for (const state of this.queues.values())
      if (!state.reading && state.ready.length === 0 && state.outlets.some((o) => this.canTake(o)))
        this.rewind(state);
  }

  queueDeleted(project: string, queue: string): void {
    const state = this.queues.get(keyOf(project, queue));
    if (!state) return;
    this.queues.delete(keyOf(project, queue));
    for (const outlet of state.outlets) outlet.close('amqp:resource-deleted', `queue ${queue} was deleted`);
  }

  /** Registers what closes a project's connections (the AMQP listener). */
  onDisconnectProject(close: (project: string) => void): void {
    this.projectClosers.push(close);
  }

  disconnectProject(project: string): void {
    for (const close of this.projectClosers) close(project);
  }

  /** Reads again from the head of the queue: a released message, or one appended out of order, is found there. */
  private rewind(state: QueueState): void {
    state.ready = [];
    state.cursor = undefined;
    state.more = true;
    this.pump(state);
  }

  private pump(state: QueueState): void {
    while (state.ready.length > 0) {
      const outlet = this.nextOutlet(state);
      if (!outlet) return;
      const message = state.ready.shift()!;
      state.unsettled.set(message.id, outlet);
      this.held.set(outlet, (this.held.get(outlet) ?? 0) + 1);
      outlet.send(message);
    }
    if (state.more && !state.reading && state.outlets.some((o) => this.canTake(o))) void this.read(state);
  }

  /** The receiver has credit and holds fewer than `maxUnsettledPerReceiver` unsettled messages. */
  private canTake(outlet: Outlet): boolean {
    return this.roomOf(outlet) > 0;
  }

  /** What the receiver may take now: its credit, within what it may hold unsettled. */
  private roomOf(outlet: Outlet): number {
    return Math.min(outlet.room(), maxUnsettledPerReceiver - (this.held.get(outlet) ?? 0));
  }

  private nextOutlet(state: QueueState): Outlet | undefined {
    for (let i = 0; i < state.outlets.length; i++) {
      const outlet = state.outlets[(state.turn + i) % state.outlets.length]!;
      if (this.canTake(outlet)) {
        state.turn = (state.turn + i + 1) % state.outlets.length;
        return outlet;
      }
    }
    return undefined;
  }

  private async read(state: QueueState): Promise<void> {
    state.reading = true;
    try {
      while (state.more && state.ready.length === 0) {
        const cursor = state.cursor;
        const appends = state.appends;
        const found = await this.messages.next(state.project, state.queue, cursor, readBatch);
        if (state.cursor !== cursor) continue; // rewound meanwhile: read from the new position
        const candidates = found.filter((m) => !state.unsettled.has(m.id) && !this.removing.has(m.id));
        const room = state.outlets.reduce((sum, o) => sum + Math.max(0, this.roomOf(o)), 0);
        const { taken, considered } = await this.claims.take(state.project, candidates, room);
        if (state.cursor !== cursor) continue; // the claims stay ours: taken again from the new position
        const all = considered === candidates.length;
        state.more = all ? found.length === readBatch || state.appends !== appends : true;
        const last = all ? found.at(-1) : candidates[considered - 1];
        if (last) state.cursor = last.id;
        state.ready = taken;
      }
    } catch (error) {
      this.logger.error({ err: error, queue: state.queue }, 'amqp: queue not read');
      state.more = true; // the poll tries again
    } finally {
      state.reading = false;
    }
    if (this.queues.get(keyOf(state.project, state.queue)) === state) this.pump(state);
  }
}

const keyOf = (project: string, queue: string) => `${project}\u0000${queue}`;
