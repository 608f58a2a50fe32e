import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  type AmqpForwarded,
  type EventEnvelope,
  type TopicDefinition,
  createEvent,
  pushAmqpForwardedV1,
  pushTopics,
} from '@nidus/contracts';
import type { Subscription } from '@nidus/messaging-core';
import { type ForwardingMetrics, forwardingMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime, tlsMaterial } from '@nidus/platform-runtime';
import { RULE_PARTS, type RuleParts } from '../rule-engine.parts';
import { HttpPush } from './http-push';

/** What every push topic's data has (spec 03 §6.3). */
interface PushBody {
  readonly resource: string;
  readonly event: string;
  readonly event_time: string;
  readonly notify_data: unknown;
}

/**
 * The one fan-out point (ADR 0011): every event whose data is an IoTDA push body is matched against the project's
 * active rules of its data source and scope; what a rule selects goes to each of its actions. The bus position moves
 * once the pushes are handed over: HTTP push is at most once, as IoTDA's.
 */
@Injectable()
export class PushEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly metrics: ForwardingMetrics;
  private readonly http: HttpPush;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(RULE_PARTS) private readonly parts: RuleParts,
  ) {
    this.metrics = forwardingMetrics(runtime.metrics);
    const { push, dataDir } = runtime.config;
    const { cert, key } = tlsMaterial({ certFile: push.tlsCertFile, keyFile: push.tlsKeyFile, dataDir });
    this.http = new HttpPush(runtime.clock, this.metrics, runtime.logger, parts.deadLetters, {
      clientTls: { cert, key },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const topic of pushTopics as readonly TopicDefinition<unknown>[])
      this.subscriptions.push(
        await this.runtime.bus.subscribe({
          topic,
          group: 'rule-engine',
          handler: (event) => this.forward([event as EventEnvelope<PushBody>]),
          batchHandler: (events) => this.forward(events as readonly EventEnvelope<PushBody>[]),
        }),
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
    await this.http.close();
  }

  /** Runs the rules of each event; what AMQP actions select is published once for the whole batch. */
  private async forward(events: readonly EventEnvelope<PushBody>[]): Promise<void> {
    const amqp: EventEnvelope<AmqpForwarded>[] = [];
    for (const event of events) await this.evaluate(event, amqp);
    if (amqp.length === 0) return;
    // The bus position moves once amqp-push's topic holds them: AMQP forwarding is at least once (ADR 0011).
    await this.runtime.bus.publish(pushAmqpForwardedV1, amqp);
    this.metrics.pushes.inc({ channel: 'AMQP_FORWARDING', outcome: 'queued' }, amqp.length);
  }

  /** Matches one event against its project's active rules: HTTP pushes are queued, AMQP forwards collected. */
  private async evaluate(
    event: EventEnvelope<PushBody>,
    amqp: EventEnvelope<AmqpForwarded>[],
  ): Promise<void> {
    const { resource, event: name, event_time, notify_data } = event.data;
    const rules = await this.parts.activeRules.of(event.tenant, resource, name);
    if (rules.length === 0) return;
    // Spec 03 §6.3: the platform's envelope fields, in IoTDA's order.
    const envelope = {
      resource,
      event: name,
      event_time,
      event_time_ms: new Date(event.time).toISOString(),
      request_id: event.id,
      notify_data,
    };
    for (const rule of rules) {
      if (rule.appId !== null && rule.appId !== event.appid) continue;
      let output: Record<string, unknown>;
      try {
        if (!rule.sql.matches(envelope)) {
          this.metrics.evaluations.inc({ outcome: 'unmatched' });
          continue;
        }
        output = rule.sql.project(envelope);
      } catch (error) {
        this.metrics.evaluations.inc({ outcome: 'failed' });
        this.runtime.logger.warn({ err: error, ruleId: rule.ruleId }, 'rule evaluation failed');
        continue;
      }
      this.metrics.evaluations.inc({ outcome: 'matched' });
      for (const target of rule.http) this.http.push(target, event.subject, output);
      for (const queue of rule.queues) amqp.push(this.forAmqp(event, queue, output));
    }
  }

  private forAmqp(
    event: EventEnvelope<PushBody>,
    queue: string,
    output: Record<string, unknown>,
  ): EventEnvelope<AmqpForwarded> {
    const header = (event.data.notify_data as { header?: { device_id?: string; app_id?: string } } | null)
      ?.header;
    return createEvent({
      type: pushAmqpForwardedV1.type,
      source: 'nidus/rule-engine',
      subject: event.subject,
      tenant: event.tenant,
      ...(event.appid ? { appid: event.appid } : {}),
      traceparent: event.traceparent,
      data: {
        queue_name: queue,
        body: JSON.stringify(output),
        resource: event.data.resource,
        event: event.data.event,
        request_id: event.id,
        ...(header?.device_id ? { device_id: header.device_id } : {}),
        ...(header?.app_id ? { app_id: header.app_id } : {}),
      },
    });
  }
}
