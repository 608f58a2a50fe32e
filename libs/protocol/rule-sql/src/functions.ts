import { member } from './json-values';

/**
 * The built-in functions (spec 03 §8.6): device tags from `notify_data.header.tags`, services of a property report
 * from `notify_data.body.services`. Outside a property report the service functions give null (false for
 * CONTAINS_SERVICES); a missing tag gives null.
 */
export interface SqlFunction {
  readonly arity: number;
  /** Usable alone as a WHERE predicate (it answers a boolean). */
  readonly condition: boolean;
  /** `undefined` is null: nothing extracted. Arguments that are not strings make the result null. */
  call(event: unknown, args: readonly unknown[]): unknown;
}

interface Tag {
  tag_key?: unknown;
  tag_value?: unknown;
}
interface ServiceEntry {
  service_id?: unknown;
  properties?: unknown;
}

const notify = (event: unknown, part: 'header' | 'body') => member(member(event, 'notify_data'), part);

function tags(event: unknown): Tag[] {
  const list = member(notify(event, 'header'), 'tags');
  return Array.isArray(list) ? (list as Tag[]) : [];
}

/** The service entries of a property report, or undefined for any other event. */
function services(event: unknown): ServiceEntry[] | undefined {
  const list = member(notify(event, 'body'), 'services');
  return Array.isArray(list) ? (list as ServiceEntry[]) : undefined;
}

/** A function of string arguments: null when one is not a string. */
function ofStrings(
  arity: number,
  condition: boolean,
  body: (event: unknown, args: string[]) => unknown,
): SqlFunction {
  return {
    arity,
    condition,
    call: (event, args) =>
      args.every((a) => typeof a === 'string')
        ? body(event, args as string[])
        : condition
          ? false
          : undefined,
  };
}

const serviceOf = (event: unknown, id: string) => services(event)?.find((s) => s.service_id === id);

export const sqlFunctions: Readonly<Record<string, SqlFunction>> = {
  GET_TAG: ofStrings(1, false, (event, [key]) => tags(event).find((t) => t.tag_key === key)?.tag_value),
  CONTAINS_TAG: ofStrings(1, true, (event, [key]) => tags(event).some((t) => t.tag_key === key)),
  GET_SERVICE: ofStrings(1, false, (event, [id]) => serviceOf(event, id!)),
  GET_SERVICES: ofStrings(1, false, (event, [id]) => services(event)?.filter((s) => s.service_id === id)),
  CONTAINS_SERVICES: ofStrings(1, true, (event, [id]) => serviceOf(event, id!) !== undefined),
  GET_SERVICE_PROPERTIES: ofStrings(1, false, (event, [id]) => member(serviceOf(event, id!), 'properties')),
  // A string, whatever the property's type ("40" for 40): compared with 38 it is no number (spec 03 §8.6).
  GET_SERVICE_PROPERTY: ofStrings(2, false, (event, [id, key]) => {
    const value = member(member(serviceOf(event, id!), 'properties'), key!);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }),
};
