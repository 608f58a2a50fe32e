import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { EventEnvelope } from '@nidus/contracts';

// CloudEvents Kafka protocol binding 1.0, binary content mode (§3.2): attributes travel as `ce_<name>` headers,
// `datacontenttype` as `content-type`, the data as the message value, and the subject (device id) as the key, so the
// default partitioner keeps a device's events in one partition. `traceparent` uses the W3C header name, which
// OpenTelemetry's Kafka instrumentations read.

const attributes = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'tenant', 'appid'] as const;

export function toKafkaMessage(event: EventEnvelope): Message {
  const headers: IHeaders = { 'content-type': event.datacontenttype, traceparent: event.traceparent };
  for (const name of attributes) {
    const value = event[name];
    if (value !== undefined) headers[`ce_${name}`] = value;
  }
  return { key: event.subject, value: JSON.stringify(event.data), headers };
}

/** The envelope a message carries, unvalidated: the consumer validates it (an invalid one is dead-lettered). */
export function fromKafkaMessage(message: KafkaMessage): unknown {
  const headers = message.headers ?? {};
  const text = (name: string) => {
    const v = headers[name];
    return v === undefined ? undefined : Array.isArray(v) ? v.map(String).join(',') : String(v);
  };
  const envelope: Record<string, unknown> = {};
  for (const name of attributes) {
    const value = text(`ce_${name}`);
    if (value !== undefined) envelope[name] = value;
  }
  envelope['traceparent'] = text('traceparent');
  envelope['datacontenttype'] = text('content-type');
  try {
    envelope['data'] = message.value === null ? null : JSON.parse(message.value.toString('utf8'));
  } catch {
    envelope['data'] = message.value?.toString('base64'); // not JSON: fails the topic schema, gets dead-lettered
  }
  return envelope;
}
