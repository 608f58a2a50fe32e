import { type ValueDefinition, checkValue } from '@nidus/domain-product-model';

/** One section of a service's shadow (spec 02 §4.2): a flat property map and when it last changed (compact UTC). */
export interface ShadowSection {
  readonly properties: Readonly<Record<string, unknown>>;
  readonly event_time?: string;
}

/** A service's entry in a device shadow (spec 02 §4.2), with the desired keys the device has not yet confirmed. */
export interface ShadowEntry {
  readonly service_id: string;
  readonly desired: ShadowSection;
  readonly reported: ShadowSection;
  /** +1 on every change of the entry, desired or reported (spec 02 §4.2, E-16). */
  readonly version: number;
  /** Desired keys not yet matched by a report of the same value (spec 02 §4.4). */
  readonly pending: readonly string[];
}

/** A property as the shadow needs it: its value definition and access methods. */
export interface ShadowProperty extends ValueDefinition {
  readonly method: string;
  readonly default_value?: unknown;
}

/** The product model's properties of a service, or undefined when the model has no such service. */
export type ShadowModel = (serviceId: string) => ReadonlyMap<string, ShadowProperty> | undefined;

/** One service of a `PUT …/shadow` (spec 05 §3.4.2): the flat desired map, and the version the caller last saw. */
export interface DesiredUpdate {
  readonly service_id: string;
  readonly desired: Readonly<Record<string, unknown>>;
  readonly version?: number | undefined;
}

export type ShadowRefusalReason =
  | 'SHADOW_INVALID_KEY'
  | 'SHADOW_UNKNOWN_SERVICE'
  | 'SHADOW_UNKNOWN_PROPERTY'
  | 'SHADOW_PROPERTY_NOT_WRITABLE'
  | 'SHADOW_VALUE_INVALID'
  | 'SHADOW_TOO_LARGE'
  | 'SHADOW_VERSION_CONFLICT';

export type DesiredOutcome =
  | { readonly ok: true; readonly entries: ShadowEntry[] }
  | { readonly ok: false; readonly reason: ShadowRefusalReason; readonly detail: string };

/** Largest serialised service entry (spec 02 §4.2 [PROP]). */
export const maxShadowEntryBytes = 64 * 1024;

const isBadKey = (key: string) =>
  key.includes('.') || key.includes('$') || key.includes(String.fromCharCode(0));

/**
 * Applies a desired update to a device's entries (spec 02 §4.3), all or nothing: every key must be a writable property
 * of the service with a valid value (null removes the key), the version, when given, must be the entry's current one.
 * `{}` clears the service's desired section. Changed keys become pending; the version goes up by one.
 */
export function updateDesired(
  entries: readonly ShadowEntry[],
  updates: readonly DesiredUpdate[],
  model: ShadowModel,
  eventTime: string,
): DesiredOutcome {
  const next = new Map(entries.map((e) => [e.service_id, e]));
  for (const update of updates) {
    const properties = model(update.service_id);
    if (!properties)
      return refuse('SHADOW_UNKNOWN_SERVICE', `service_id ${update.service_id} is not in the product model.`);
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(update.desired)) {
      if (isBadKey(key))
        return refuse('SHADOW_INVALID_KEY', `key ${JSON.stringify(key)} has '.', '$' or NUL.`);
      const property = properties.get(key);
      if (!property)
        return refuse('SHADOW_UNKNOWN_PROPERTY', `${key} is not a property of service ${update.service_id}.`);
      if (!property.method.includes('W'))
        return refuse(
          'SHADOW_PROPERTY_NOT_WRITABLE',
          `${key} of service ${update.service_id} is not writable.`,
        );
      if (value === null) {
        values[key] = null;
        continue;
      }
      const check = checkValue(property, value);
      if (!check.ok) return refuse('SHADOW_VALUE_INVALID', `${key}: ${check.reason}.`);
      values[key] = check.value;
    }
    const current = next.get(update.service_id) ?? emptyEntry(update.service_id);
    if (update.version !== undefined && update.version !== current.version)
      return refuse(
        'SHADOW_VERSION_CONFLICT',
        `service ${update.service_id} is at version ${current.version}, not ${update.version}.`,
      );
    const entry = withDesired(current, values, Object.keys(update.desired).length === 0, eventTime);
    if (Buffer.byteLength(JSON.stringify(entry)) > maxShadowEntryBytes)
      return refuse(
        'SHADOW_TOO_LARGE',
        `service ${update.service_id} would exceed ${maxShadowEntryBytes} bytes.`,
      );
    next.set(update.service_id, entry);
  }
  return { ok: true, entries: [...next.values()] };
}

/**
 * The desired values a new device's shadow starts with (spec 02 §4.4): the model's default values of writable
 * properties, per service, with the creation request's `shadow` over them property by property. A default of a
 * property the device cannot be asked to set (not writable) stays out: a desired value for it would be refused.
 */
export function initialDesired(
  services: ReadonlyMap<string, ReadonlyMap<string, ShadowProperty>>,
  requested: readonly DesiredUpdate[],
): DesiredUpdate[] {
  const desired = new Map<string, Record<string, unknown>>();
  for (const [serviceId, properties] of services)
    for (const [name, property] of properties)
      if (property.default_value !== undefined && property.method.includes('W'))
        desired.set(serviceId, { ...desired.get(serviceId), [name]: property.default_value });
  for (const update of requested)
    desired.set(update.service_id, { ...desired.get(update.service_id), ...update.desired });
  return [...desired].map(([service_id, values]) => ({ service_id, desired: values }));
}

/**
 * Merges reported values into the service's entry (spec 02 §4.4): per property, with the report's time; pending keys
 * now reported with their desired value are confirmed. Properties the model does not define are left out.
 */
export function reportProperties(
  entries: readonly ShadowEntry[],
  serviceId: string,
  reported: Readonly<Record<string, unknown>>,
  eventTime: string,
  model: ShadowModel,
): ShadowEntry[] {
  const properties = model(serviceId);
  if (!properties) return [...entries];
  const known = Object.entries(reported).filter(([key]) => properties.has(key));
  if (known.length === 0) return [...entries];
  const next = new Map(entries.map((e) => [e.service_id, e]));
  const current = next.get(serviceId) ?? emptyEntry(serviceId);
  const merged = { ...current.reported.properties, ...Object.fromEntries(known) };
  next.set(serviceId, {
    ...current,
    reported: { properties: merged, event_time: eventTime },
    version: current.version + 1,
    pending: current.pending.filter((key) => !deepEqual(current.desired.properties[key], merged[key])),
  });
  return [...next.values()];
}

/** The pending desired values the device still reports differently: what a delivery sends (spec 02 §4.4). */
export function deltaOf(entry: ShadowEntry): Record<string, unknown> {
  const delta: Record<string, unknown> = {};
  for (const key of entry.pending) {
    const desired = entry.desired.properties[key];
    if (!deepEqual(desired, entry.reported.properties[key])) delta[key] = desired;
  }
  return delta;
}

function withDesired(
  entry: ShadowEntry,
  values: Record<string, unknown>,
  clear: boolean,
  eventTime: string,
): ShadowEntry {
  if (clear)
    return {
      ...entry,
      desired: { properties: {}, event_time: eventTime },
      pending: [],
      version: entry.version + 1,
    };
  const properties = { ...entry.desired.properties };
  const pending = new Set(entry.pending);
  for (const [key, value] of Object.entries(values)) {
    if (value === null) {
      delete properties[key];
      pending.delete(key);
    } else {
      properties[key] = value;
      pending.add(key);
    }
  }
  return {
    ...entry,
    desired: { properties, event_time: eventTime },
    pending: [...pending],
    version: entry.version + 1,
  };
}

function emptyEntry(serviceId: string): ShadowEntry {
  return {
    service_id: serviceId,
    desired: { properties: {} },
    reported: { properties: {} },
    version: 0,
    pending: [],
  };
}

function refuse(reason: ShadowRefusalReason, detail: string): DesiredOutcome {
  return { ok: false, reason, detail };
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
