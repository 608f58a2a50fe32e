import type { EventEnvelope, TopicDefinition } from '@nidus/contracts';
import type { Downlink, UplinkOutcome } from './uplink-event';

/** The bus events one uplink produced, by topic, published together once it is decoded. */
export type Pending = Map<TopicDefinition, EventEnvelope[]>;

export function add<T>(out: Pending, topic: TopicDefinition<T>, event: EventEnvelope<T>): void {
  const list = out.get(topic);
  if (list) list.push(event);
  else out.set(topic, [event]);
}

export function accepted(replies: readonly Downlink[] = [], problems: readonly string[] = []): UplinkOutcome {
  return { accepted: true, replies, problems };
}

/** A message payload's content: its JSON value, or the text itself (spec 03 §6.4.3). */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
