import { type DownlinkRequestKind, type DownlinkResponded, deploymentTenant } from '@nidus/contracts';
import type { SessionStore } from '@nidus/persistence-core';
import type { Logger } from '@nidus/ports';

const tenant = deploymentTenant; // request ids are random UUIDs, unique in the deployment
const keyOf = (requestId: string) => `pending:${requestId}`;
const channelOf = (instance: string) => `answers:${instance}`;

/** Who waits for a request: the instance, and the connected device and kind an answer must come with. */
interface PendingEntry {
  readonly instance: string;
  readonly device_id: string;
  readonly kind: DownlinkRequestKind;
}

/** What became of a device's answer. */
export type AnswerOutcome = 'completed' | 'unknown' | 'mismatched';

type Body = Record<string, unknown>;

/**
 * The pending-request registry of synchronous calls (spec 03 §5.3): the instance that sent a request waits for it,
 * while the device's answer reaches whichever instance consumes its partition of `iot.device.downlink-responded.v1`.
 * The session store holds who waits for each request id until it is answered or times out; the consuming instance
 * takes the entry (compare-and-set, so one answer completes a request at most once) and hands the answer to the waiting
 * instance on that instance's channel. An answer nobody waits for — late, duplicate, or for an id never asked — and one
 * from another device than the request went to complete nothing.
 */
export class PendingRequests {
  private readonly waiting = new Map<string, (body: Body | undefined) => void>();
  private listener: { close(): Promise<void> } | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.store.subscribe(channelOf(this.instance), (message) => this.onAnswer(message));
  }

  /**
   * Registers a request before it is sent; the promise it returns settles with the device's answer, or undefined when
   * none came within `timeoutMs`.
   */
  async register(
    requestId: string,
    deviceId: string,
    kind: DownlinkRequestKind,
    timeoutMs: number,
  ): Promise<{ answer: Promise<Body | undefined> }> {
    const entry: PendingEntry = { instance: this.instance, device_id: deviceId, kind };
    await this.store.set(tenant, keyOf(requestId), JSON.stringify(entry), timeoutMs);
    const answer = new Promise<Body | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        this.store.delete(tenant, keyOf(requestId)).catch(() => false); // expires anyway
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(requestId, (body) => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(body);
      });
    });
    return { answer };
  }

  /** A device answered (the bus brought it to this instance): completes the request on the instance waiting for it. */
  async answer(response: DownlinkResponded): Promise<AnswerOutcome> {
    const key = keyOf(response.request_id);
    const raw = await this.store.get(tenant, key);
    if (raw === undefined) return 'unknown';
    const entry = JSON.parse(raw) as PendingEntry;
    // The connected device that sent the answer must be the one the request went to (a sub-device answers through it).
    if (entry.device_id !== response.gateway_id || entry.kind !== response.kind) return 'mismatched';
    if (!(await this.store.compareAndSet(tenant, key, raw, undefined))) return 'unknown'; // a duplicate was faster
    await this.store.publish(
      channelOf(entry.instance),
      JSON.stringify({ request_id: response.request_id, body: response.body }),
    );
    return 'completed';
  }

  /** Stops listening; requests still waiting end as timeouts. */
  async close(): Promise<void> {
    await this.listener?.close();
    for (const settle of [...this.waiting.values()]) settle(undefined);
  }

  private onAnswer(message: string): void {
    let answer: { request_id?: unknown; body?: unknown };
    try {
      answer = JSON.parse(message) as typeof answer;
    } catch {
      this.logger.warn({ message: message.slice(0, 256) }, 'unreadable answer ignored');
      return;
    }
    if (typeof answer.request_id !== 'string') return;
    this.waiting.get(answer.request_id)?.(answer.body as Body);
  }
}
