/** What an AMQP client's SASL PLAIN user name says (spec 03 §6.7.2). */
export interface AmqpLogin {
  readonly accessKey: string;
  /** Ms since epoch. */
  readonly timestamp: number;
}

/** A login's timestamp may differ from the server's time by at most this (spec 03 §6.7.2). */
export const loginWindowMs = 5 * 60_000;

/**
 * Parses `accessKey=${accessKey}|timestamp=${timestamp}`: segments split on `|`, each `key=value`; empty segments
 * (the Node sample ends with `|`) and unknown keys (`instanceId=` of later revisions) are ignored; `accessKey` and a
 * 13-digit millisecond `timestamp` are required. Undefined when the name does not say both.
 */
export function parseAmqpLogin(username: string): AmqpLogin | undefined {
  const fields = new Map<string, string>();
  for (const segment of username.split('|')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(segment.slice(0, eq), segment.slice(eq + 1));
  }
  const accessKey = fields.get('accessKey');
  const timestamp = fields.get('timestamp');
  if (!accessKey || !timestamp || !/^\d{13}$/.test(timestamp)) return undefined;
  return { accessKey, timestamp: Number(timestamp) };
}
