import { z } from 'zod';
import { formatMillisUtc } from './iotda-time';
import { newEventId } from './random-ids';
import { isTraceparent, newTraceparent } from './trace-context';

/**
 * The envelope of every bus event: CloudEvents 1.0 attributes (spec §3.1) plus the extensions Nidus relies on —
 * `tenant` (the owning tenant, every consumer scopes by it), `appid` (the IoTDA resource space) and
 * `traceparent` (CloudEvents distributed-tracing extension, W3C Trace Context). ARCHITECTURE §5.
 * CloudEvents attribute names are lowercase alphanumerics only, hence `appid`.
 */
export interface EventEnvelope<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  /** The device id for device events; the resource id otherwise. Bus partition key. */
  readonly subject: string;
  readonly tenant: string;
  readonly appid?: string;
  readonly traceparent: string;
  readonly datacontenttype: 'application/json';
  readonly data: T;
}

const attribute = z.string().min(1).max(256);

/** Validates an envelope from the wire; `data` is checked separately against the topic's schema. */
export const eventEnvelopeSchema = z.strictObject({
  specversion: z.literal('1.0'),
  id: attribute,
  source: attribute,
  type: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+\.v[1-9][0-9]*$/, 'type must be <domain>.<event>.v<n>'),
  time: z.iso.datetime({ offset: true }),
  subject: attribute,
  tenant: attribute,
  appid: attribute.optional(),
  traceparent: z.string().refine(isTraceparent, 'traceparent must be a W3C trace context'),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});

export interface NewEvent<T> {
  type: string;
  source: string;
  subject: string;
  tenant: string;
  data: T;
  appid?: string;
  traceparent?: string;
  id?: string;
  time?: Date;
}

export function createEvent<T>(e: NewEvent<T>): EventEnvelope<T> {
  // Built in one literal: every uplink creates one (bench:mqtt), and spreading an optional field cost an object.
  const envelope: { -readonly [K in keyof EventEnvelope<T>]: EventEnvelope<T>[K] } = {
    specversion: '1.0',
    id: e.id ?? newEventId(),
    source: e.source,
    type: e.type,
    time: formatMillisUtc(e.time?.getTime() ?? Date.now()),
    subject: e.subject,
    tenant: e.tenant,
    traceparent: e.traceparent ?? newTraceparent(),
    datacontenttype: 'application/json',
    data: e.data,
  };
  if (e.appid !== undefined) envelope.appid = e.appid;
  return envelope;
}
