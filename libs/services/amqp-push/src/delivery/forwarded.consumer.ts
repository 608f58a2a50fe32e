import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  type AmqpForwarded,
  type EventEnvelope,
  deploymentTenant,
  pushAmqpForwardedV1,
} from '@nidus/contracts';
import type { Subscription } from '@nidus/messaging-core';
import { DuplicateKeyError } from '@nidus/persistence-core';
import { type ForwardingMetrics, forwardingMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AMQP_PARTS, type AmqpParts } from '../amqp-push.parts';
import { QueuesService } from '../queues/queues.service';
import { AmqpListener } from './amqp-listener';

/** Messages are kept this long (spec 03 §6.6: the latest 24 hours). */
export const retentionMs = 24 * 3600_000;
const pollEveryMs = 250;
const channel = 'AMQP_FORWARDING';

/**
 * The queues' intake and outlet (ADR 0011): routing rules' results arrive on `iot.push.amqp-forwarded.v1` and are
 * stored in their queue before the bus position moves; the AMQP listener hands them to applications. A sweep applies
 * the retention; a poll finds messages another instance stored.
 */
@Injectable()
export class ForwardedConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private readonly listener: AmqpListener;
  private readonly timers: NodeJS.Timeout[] = [];
  private sweeps = 0;
  private readonly metrics: ForwardingMetrics;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(AMQP_PARTS) private readonly parts: AmqpParts,
    private readonly queues: QueuesService,
  ) {
    this.metrics = forwardingMetrics(runtime.metrics);
    this.listener = new AmqpListener(
      parts.hub,
      parts.codes,
      async (project, queue) => (await queues.byName(project, queue)) !== undefined,
      runtime.clock,
      runtime.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.runtime.bus.subscribe({
      topic: pushAmqpForwardedV1,
      group: 'amqp-push',
      handler: (event) => this.store([event]),
      batchHandler: (events) => this.store(events),
    });
    const { amqp, dataDir, bindHost } = this.runtime.config;
    const urls = await this.listener.start(amqp, bindHost, dataDir);
    this.runtime.logger.info({ urls }, urls.length ? 'AMQP listeners open' : 'AMQP listeners off');
    if (urls.length)
      this.runtime.notice(`Applications receive pushes at\n${urls.map((u) => `  ${u}`).join('\n')}`);
    this.every(pollEveryMs, async () => this.parts.hub.poll());
    this.every(amqp.sweepS * 1000, () => this.sweep());
  }

  /**
   * Appends each message to its queue, in order (one group commit for a batch), once per forwarded event; a queue
   * deleted meanwhile drops it.
   */
  private async store(events: readonly EventEnvelope<AmqpForwarded>[]): Promise<void> {
    const appends: Promise<unknown>[] = [];
    const touched = new Map<string, { project: string; queue: string }>();
    for (const event of events) {
      const { queue_name: queue, body, request_id, resource, event: name, device_id, app_id } = event.data;
      if (!(await this.queues.byName(event.tenant, queue))) {
        this.runtime.logger.warn({ project: event.tenant, queue }, 'amqp: no such queue, message dropped');
        continue;
      }
      const stored = this.parts.messages.append(event.tenant, this.parts.ids.next(), {
        queue,
        body,
        message_id: request_id,
        resource,
        event: name,
        device_id: device_id ?? null,
        app_id: app_id ?? null,
        created_ms: Date.parse(event.time),
        forward_id: event.id,
      });
      // Stored before (a redelivery, e.g. after Kafka moved the partition): once is enough.
      appends.push(
        stored.catch((error: unknown) => {
          if (!(error instanceof DuplicateKeyError)) throw error;
        }),
      );
      touched.set(`${event.tenant}\u0000${queue}`, { project: event.tenant, queue });
    }
    await Promise.all(appends);
    for (const { project, queue } of touched.values()) this.parts.hub.appended(project, queue);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.timers.forEach(clearInterval);
    await this.listener.stop();
    await this.subscription?.close();
    this.parts.claims.close();
  }

  /**
   * Drops what is older than the retention, then (every tenth sweep) a project's oldest beyond its size cap (spec 03
   * §6.6, E-21: per tenant); both counted as pushes of outcome `expired` and `evicted`.
   */
  private async sweep(): Promise<void> {
    let marker: string | undefined;
    do {
      const page = await this.parts.projects.find(
        deploymentTenant,
        {},
        { limit: 100, ...(marker ? { cursor: marker } : {}) },
      );
      for (const { id: project } of page.items) {
        const expired = await this.parts.messages.expire(project, this.parts.clock.now() - retentionMs);
        if (expired > 0) {
          this.metrics.pushes.inc({ channel, outcome: 'expired' }, expired);
          this.runtime.logger.info({ project, expired }, 'amqp: messages past 24 h dropped');
        }
        if (this.sweeps % 10 === 0) await this.cap(project);
      }
      marker = page.nextCursor;
    } while (marker);
    this.sweeps++;
  }

  /** The project's size cap (ProjectCap), counted as pushes of outcome `evicted`. */
  private async cap(project: string): Promise<void> {
    const { projectCapBytes } = this.runtime.config.amqp;
    const applied = await this.parts.cap.apply(project, projectCapBytes);
    if (!applied || applied.total <= projectCapBytes) return;
    this.metrics.pushes.inc({ channel, outcome: 'evicted' }, applied.evicted);
    this.runtime.logger.warn(
      { project, ...applied, capBytes: projectCapBytes },
      'amqp: the project holds more than its cap, its oldest messages dropped',
    );
  }

  private every(ms: number, work: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      work()
        .catch((error: unknown) => this.runtime.logger.error({ err: error }, 'amqp: housekeeping failed'))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
