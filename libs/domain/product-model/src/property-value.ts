import type { DataType } from './product-model';

/** The part of a property, command parameter or field definition that decides which values are valid. */
export interface ValueDefinition {
  readonly data_type: DataType;
  readonly enum_list?: readonly string[] | undefined;
  readonly min?: string | undefined;
  readonly max?: string | undefined;
  readonly max_length?: number | undefined;
  readonly step?: number | undefined;
}

export type ValueCheck =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const COMPACT_UTC = /^\d{8}T\d{6}Z$/;
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

const ok = (value: unknown): ValueCheck => ({ ok: true, value });
const no = (reason: string): ValueCheck => ({ ok: false, reason });

/**
 * Checks a value against its definition (spec 02 §2.2.2 value validation), for shadow desired values, property-set
 * requests and command parameters. Numeric text is accepted for numeric types and returned as a number (the spec's
 * own shadow example sends `"60"`); a long beyond 2^53 stays text so that no digit is lost.
 */
export function checkValue(definition: ValueDefinition, value: unknown): ValueCheck {
  switch (definition.data_type) {
    case 'int':
      return checkInteger(definition, value, INT32);
    case 'long':
      return checkLong(definition, value);
    case 'decimal':
      return checkDecimal(definition, value);
    case 'string':
      return typeof value === 'string' ? checkLength(definition, value) : no('expected a string');
    case 'DateTime':
      return typeof value === 'string' && COMPACT_UTC.test(value)
        ? ok(value)
        : no('expected yyyyMMddTHHmmssZ');
    case 'jsonObject':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? ok(value)
        : no('expected a JSON object');
    case 'enum':
      return typeof value === 'string' && (definition.enum_list ?? []).includes(value)
        ? ok(value)
        : no(`expected one of ${(definition.enum_list ?? []).join(', ')}`);
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : no('expected true or false');
    case 'string list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        return no('expected a list of strings');
      for (const item of value) {
        const c = checkLength(definition, item);
        if (!c.ok) return c;
      }
      return ok(value);
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) return Number(value.trim());
  return undefined;
}

function inRange(definition: ValueDefinition, n: number): ValueCheck {
  if (definition.min !== undefined && n < Number(definition.min))
    return no(`must be at least ${definition.min}`);
  if (definition.max !== undefined && n > Number(definition.max))
    return no(`must be at most ${definition.max}`);
  return ok(n);
}

function checkInteger(
  definition: ValueDefinition,
  value: unknown,
  [lo, hi]: readonly [number, number],
): ValueCheck {
  const n = asNumber(value);
  if (n === undefined || !Number.isInteger(n)) return no('expected an integer');
  if (n < lo || n > hi) return no(`must be between ${lo} and ${hi}`);
  return inRange(definition, n);
}

function checkLong(definition: ValueDefinition, value: unknown): ValueCheck {
  let big: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) big = BigInt(value.trim());
  else return no('expected an integer');
  if (big < INT64[0] || big > INT64[1]) return no('must fit in 64 bits');
  const bound = (text: string | undefined) =>
    text !== undefined && INTEGER_TEXT.test(text) ? BigInt(text) : undefined;
  const min = bound(definition.min);
  const max = bound(definition.max);
  if (min !== undefined && big < min) return no(`must be at least ${definition.min}`);
  if (max !== undefined && big > max) return no(`must be at most ${definition.max}`);
  const n = Number(big);
  return ok(Number.isSafeInteger(n) ? n : big.toString());
}

function checkDecimal(definition: ValueDefinition, value: unknown): ValueCheck {
  const n = asNumber(value);
  if (n === undefined || !Number.isFinite(n)) return no('expected a number');
  const range = inRange(definition, n);
  if (!range.ok || definition.step === undefined) return range;
  const steps = (n - Number(definition.min ?? 0)) / definition.step;
  return Math.abs(steps - Math.round(steps)) <= 1e-9
    ? range
    : no(`must be a multiple of ${definition.step} from ${definition.min ?? 0}`);
}

function checkLength(definition: ValueDefinition, s: string): ValueCheck {
  return definition.max_length !== undefined && s.length > definition.max_length
    ? no(`must have at most ${definition.max_length} characters`)
    : ok(s);
}
