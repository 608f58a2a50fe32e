import { type TopicDefinition, createEvent } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';

/** Publishes one lifecycle event of the registry; resolves when the bus holds it durably. */
export function publishLifecycle<T>(
  bus: EventBus,
  topic: TopicDefinition<T>,
  event: { subject: string; tenant: string; appid: string; data: T },
): Promise<void> {
  return bus.publish(topic, [createEvent({ type: topic.type, source: 'nidus/device-registry', ...event })]);
}
