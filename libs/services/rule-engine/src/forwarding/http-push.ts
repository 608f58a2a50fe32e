import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions, request as httpsRequest } from 'node:https';
import { type PeerCertificate, checkServerIdentity } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ForwardingMetrics } from '@nidus/platform-observability';
import { type Clock, type Logger, errorMessage } from '@nidus/ports';
import type { HttpForwarding } from '../rule-actions/rule-action.dto';
import type { DeadLetters } from './dead-letters';
import { OldestFirst } from './oldest-first';

/** Spec 03 §6.5: success is 200 within 15 s; 10 failures in a row pause the host for 5 minutes. */
const timeoutMs = 15_000;
const failuresToPause = 10;
const pauseMs = 5 * 60_000;
/** Requests in flight to one host; more wait for a connection (spec 03 §6.5 [IMPL]). */
const maxSocketsPerHost = 64;
/** Pushes of one action not yet started; beyond, the oldest is dropped and counted (spec 03 §6.5 [IMPL]). */
const maxWaitingPerAction = 10_000;

/** Where one action pushes, and how (spec 03 §6.5 and its [IMPL] extensions). */
export interface HttpTarget {
  readonly project: string;
  readonly actionId: string;
  readonly url: string;
  /** Attempts per push, the first included (1: at most once). */
  readonly attempts: number;
  /** Wait before the second attempt, doubled before the next. */
  readonly backoffMs: number;
  /** Any 2xx is success, not only 200. */
  readonly acceptAny2xx: boolean;
  /** HTTPS: the uploaded CA certificate the server must chain to, instead of the system's roots (`cert_id`). */
  readonly trust?: { readonly certId: string; readonly pem: string };
  /** HTTPS: the name the server's certificate must be valid for, instead of the URL's host (`cn_name`). */
  readonly serverName?: string;
  /** HTTPS: send `serverName` as SNI (`sni_enable`). */
  readonly sni?: boolean;
  /** The key of the request signature (`signature_enable` + `token`; {@link pushSignature}). */
  readonly signingToken?: string;
}

/** The header names of a signed push (Nidus's scheme; spec 05 O-6: IoTDA's is not public). */
export const signatureHeaders = { timestamp: 'x-nidus-timestamp', signature: 'x-nidus-signature' } as const;

/**
 * The signature of a push: `sha256=` and the hex HMAC-SHA256, keyed with the action's token, of the timestamp
 * header's value (Unix seconds), a line feed, and the body as sent.
 */
export function pushSignature(token: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', token).update(`${timestamp}\n${body}`).digest('hex')}`;
}

/** How an HTTP action pushes (spec 03 §6.5 and its [IMPL] extensions), from its `http_forwarding`. */
export function httpTarget(
  project: string,
  actionId: string,
  http: HttpForwarding,
  trust?: HttpTarget['trust'],
): HttpTarget {
  return {
    project,
    actionId,
    url: http.url,
    attempts: http.retry?.max_attempts ?? 1,
    backoffMs: http.retry?.backoff_ms ?? 1_000,
    acceptAny2xx: http.accept_any_2xx ?? false,
    ...(trust ? { trust } : {}),
    ...(http.cn_name !== undefined ? { serverName: http.cn_name } : {}),
    sni: http.sni_enable,
    ...(http.signature_enable && http.token !== undefined ? { signingToken: http.token } : {}),
  };
}

interface PendingPush {
  readonly target: HttpTarget;
  readonly deviceKey: string;
  readonly body: unknown;
  /** Not yet started (nor dropped by the overflow, which its lane then skips). */
  waiting: boolean;
}

interface Lane {
  readonly queue: PendingPush[];
  done: Promise<void>;
}

interface HostState {
  failures: number;
  pausedUntil: number;
}

/**
 * HTTP(S) push (spec 03 §6.5): a POST of the push JSON per forwarded event, at most once. Pushes of one action for one
 * device go in order, one at a time (a lane); lanes run side by side. A host (`scheme://host:port`) that failed 10
 * times in a row is paused for 5 minutes: its pushes are dropped and counted meanwhile, and the first failure after
 * the pause pauses it again. An action may ask for up to 3 attempts a push (the lane waits meanwhile; every failure
 * counts towards the pause). A push that is not delivered becomes a dead letter of its action. An action keeps at
 * most 10 000 pushes waiting: a new one beyond drops its oldest waiting one. Nothing else is kept across a restart
 * (ADR 0011).
 */
export class HttpPush {
  /** Pushes of one action for one device, in order, by action and device. */
  private readonly lanes = new Map<string, Lane>();
  /** Pushes not yet started, by action, oldest first: the overflow drops from the front. */
  private readonly waiting = new Map<string, OldestFirst<PendingPush>>();
  private readonly hosts = new Map<string, HostState>();
  // node:http rather than fetch: fetch cost about 1 ms of CPU a push (undici, web streams, abort signals) in bench:e2e.
  private readonly agents: { readonly http: HttpAgent; readonly https: HttpsAgent };
  private readonly maxWaiting: number;
  private readonly clientTls: { readonly cert?: string; readonly key?: string };
  /** HTTPS agents that check servers another way than the default (a CA, a name), by that way. */
  private readonly checking = new Map<string, HttpsAgent>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: ForwardingMetrics,
    private readonly logger: Logger,
    private readonly deadLetters: DeadLetters,
    options: {
      /** Pushes of one action not yet started, beyond which the oldest is dropped; default 10 000. */
      maxWaiting?: number;
      /** The platform's client certificate, for application servers that authenticate it (spec 03 §6.5). */
      clientTls?: { readonly cert: string; readonly key: string };
    } = {},
  ) {
    this.maxWaiting = options.maxWaiting ?? maxWaitingPerAction;
    this.clientTls = options.clientTls ?? {};
    this.agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets: maxSocketsPerHost }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: maxSocketsPerHost, ...this.clientTls }),
    };
  }

  /**
   * Queues one push on its lane; returns at once (the bus position does not wait for the application). An action
   * with 10 000 pushes waiting drops its oldest waiting one (a dead letter) for the new one.
   */
  push(target: HttpTarget, deviceKey: string, body: unknown): void {
    const pending: PendingPush = { target, deviceKey, body, waiting: false };
    const { actionId } = target;
    let waiting = this.waiting.get(actionId);
    if (!waiting) this.waiting.set(actionId, (waiting = new OldestFirst()));
    waiting.add(pending);
    const key = `${actionId}\u0000${deviceKey}`;
    const lane = this.lanes.get(key);
    if (lane) lane.queue.push(pending);
    else {
      const started: Lane = { queue: [pending], done: Promise.resolve() };
      this.lanes.set(key, started);
      started.done = this.run(key, started);
    }
    // A push that started its lane at once is not waiting.
    if (waiting.size > this.maxWaiting) {
      const oldest = waiting.dropOldest()!;
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'overflow' });
      const reason = `dropped: ${this.maxWaiting} pushes of the action were waiting`;
      this.deadLetter(oldest.target, oldest.deviceKey, reason, 0, () => JSON.stringify(oldest.body));
    }
  }

  /** Waits for every push queued so far (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()].map((l) => l.done));
  }

  /** Drains, then lets go of the pooled connections. */
  async close(): Promise<void> {
    await this.drain();
    this.agents.http.destroy();
    this.agents.https.destroy();
    for (const agent of this.checking.values()) agent.destroy();
  }

  /** Sends a lane's pushes one at a time, in order, skipping those dropped meanwhile; the lane ends when empty. */
  private async run(key: string, lane: Lane): Promise<void> {
    for (let next = lane.queue.shift(); next; next = lane.queue.shift()) {
      if (!next.waiting) continue; // dropped by the overflow
      const waiting = this.waiting.get(next.target.actionId)!; // it holds `next`
      waiting.start(next);
      if (waiting.size === 0) this.waiting.delete(next.target.actionId);
      await this.deliver(next.target, next.deviceKey, next.body);
    }
    this.lanes.delete(key);
  }

  /** Tries the push as often as the action allows; a push not delivered becomes a dead letter. */
  private async deliver(target: HttpTarget, deviceKey: string, body: unknown): Promise<void> {
    const text = JSON.stringify(body);
    let problem = '';
    let attempt = 0;
    while (attempt < target.attempts) {
      if (attempt > 0) {
        this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'retried' });
        await sleep(target.backoffMs * 2 ** (attempt - 1));
      }
      attempt++;
      const outcome = await this.send(target, text);
      if (outcome === undefined) return;
      problem = outcome;
      if (outcome === paused) break;
    }
    this.metrics.pushes.inc({
      channel: 'HTTP_FORWARDING',
      outcome: problem === paused ? 'blacklisted' : 'failed',
    });
    this.deadLetter(target, deviceKey, problem, problem === paused ? attempt - 1 : attempt, () => text);
  }

  /** Keeps an undelivered push as a dead letter of its action, or counts it when the action's budget is used. */
  private deadLetter(
    target: HttpTarget,
    deviceKey: string,
    reason: string,
    attempts: number,
    bodyOf: () => string,
  ): void {
    const letter = { action_id: target.actionId, device_id: deviceKey, url: target.url, reason, attempts };
    if (!this.deadLetters.record(target.project, letter, bodyOf))
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'dead-letter-skipped' });
  }

  /** One POST: undefined when delivered, else why not. */
  private async send(target: HttpTarget, body: string): Promise<string | undefined> {
    const url = new URL(target.url);
    const host = url.origin;
    const state = this.hosts.get(host) ?? { failures: 0, pausedUntil: 0 };
    if (this.clock.now() < state.pausedUntil) return paused;
    let problem: string | undefined;
    try {
      const status = await this.post(url, target, body);
      const ok = target.acceptAny2xx ? status >= 200 && status < 300 : status === 200;
      if (!ok) problem = `answered ${status}`;
    } catch (error) {
      problem = errorMessage(error);
    }
    if (problem === undefined) {
      this.hosts.delete(host);
      this.metrics.pushes.inc({ channel: 'HTTP_FORWARDING', outcome: 'delivered' });
      return undefined;
    }
    state.failures++;
    if (state.failures >= failuresToPause) {
      state.pausedUntil = this.clock.now() + pauseMs;
      state.failures = failuresToPause - 1; // after the pause, one more failure pauses it again
      this.logger.warn({ host, pauseMs }, 'push host paused after consecutive failures');
    }
    this.hosts.set(host, state);
    this.logger.debug({ host, problem }, 'push failed');
    return problem;
  }

  /** One POST on a pooled connection; its status once the answer has been read, within 15 s. */
  private post(url: URL, target: HttpTarget, body: string): Promise<number> {
    const https = url.protocol === 'https:';
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    };
    if (target.signingToken !== undefined) {
      const timestamp = String(Math.floor(this.clock.now() / 1000));
      headers[signatureHeaders.timestamp] = timestamp;
      headers[signatureHeaders.signature] = pushSignature(target.signingToken, timestamp, body);
    }
    const options: RequestOptions = https ? this.tlsOptions(target) : { agent: this.agents.http };
    return new Promise<number>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers, ...options },
        (res) => {
          res.on('error', reject);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.resume(); // the answer's body is not needed; reading it frees the connection
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * The HTTPS agent of how a push checks its server (spec 03 §6.5): against the action's uploaded CA only, or the
   * system's roots without one; for `cn_name` rather than the URL's host when the action names one, sent as SNI with
   * `sni_enable`. One agent per way of checking: a pooled connection was checked when it was made, so one checked
   * another way must not be reused.
   */
  private tlsOptions(target: HttpTarget): RequestOptions {
    const { trust, serverName, sni } = target;
    if (!trust && serverName === undefined) return { agent: this.agents.https };
    const key = `${trust?.certId ?? ''}\u0000${serverName ?? ''}\u0000${sni === true}`;
    let agent = this.checking.get(key);
    if (!agent) {
      agent = new HttpsAgent({
        keepAlive: true,
        maxSockets: maxSocketsPerHost,
        ...this.clientTls,
        ...(trust ? { ca: trust.pem } : {}),
        ...(serverName !== undefined
          ? {
              ...(sni ? { servername: serverName } : {}),
              checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
                checkServerIdentity(serverName, certificate),
            }
          : {}),
      });
      this.checking.set(key, agent);
    }
    return { agent };
  }
}

/** Why a push was not tried: its host is in its 5-minute pause. */
const paused = 'host paused after 10 consecutive failures';
