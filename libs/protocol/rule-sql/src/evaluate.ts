import { sqlFunctions } from './functions';
import { isNull, jsonEquals, member } from './json-values';
import type { ComparisonOperator, ConditionNode, OperandNode, SelectItemNode } from './syntax';

/** An operand compiled: its value in an event, undefined when nothing is extracted. */
type Value = (event: unknown) => unknown;
export type Predicate = (event: unknown) => boolean;
export type Projection = (event: unknown) => Record<string, unknown>;

// A rule is compiled once into closures and then run for every event of its data source: no tree walk per event.

export function compileOperand(node: OperandNode): Value {
  switch (node.kind) {
    case 'constant': {
      const { value } = node;
      return () => value;
    }
    case 'path':
      return reader(node.segments);
    case 'call': {
      const fn = sqlFunctions[node.name]!; // the grammar admits known functions only
      const args = node.args.map(compileOperand);
      const call = (event: unknown) =>
        fn.call(
          event,
          args.map((a) => a(event)),
        );
      if (node.path.length === 0) return call;
      const read = reader(node.path);
      return (event) => read(call(event));
    }
  }
}

/** Reads a path of members from a value. */
function reader(segments: readonly string[]): Value {
  if (segments.length === 1) {
    const [only] = segments as [string];
    return (value) => member(value, only);
  }
  return (value) => segments.reduce<unknown>((v, segment) => member(v, segment), value);
}

export function compileCondition(node: ConditionNode): Predicate {
  switch (node.kind) {
    case 'or': {
      const items = node.items.map(compileCondition);
      return (event) => items.some((p) => p(event));
    }
    case 'and': {
      const items = node.items.map(compileCondition);
      return (event) => items.every((p) => p(event));
    }
    case 'null': {
      const value = compileOperand(node.operand);
      return node.negated ? (event) => !isNull(value(event)) : (event) => isNull(value(event));
    }
    case 'compare': {
      const left = compileOperand(node.left);
      const right = compileOperand(node.right);
      const holds = comparisons[node.op];
      return (event) => holds(left(event), right(event));
    }
    case 'test': {
      const value = compileOperand(node.call);
      return (event) => value(event) === true;
    }
  }
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Present on both sides: null on either side makes every comparison false (spec 03 §8.5). */
const present = (a: unknown, b: unknown) => a !== undefined && a !== null && b !== undefined && b !== null;

/**
 * Spec 03 §8.5: `>` and `<` only between numbers (decimals too, an extension), `=` without coercion, false when both
 * sides are null; `!=`/`<>` (an extension) is `=` negated between two present values.
 */
const comparisons: Record<ComparisonOperator, (a: unknown, b: unknown) => boolean> = {
  '=': (a, b) => present(a, b) && jsonEquals(a, b),
  '!=': (a, b) => present(a, b) && !jsonEquals(a, b),
  '<>': (a, b) => present(a, b) && !jsonEquals(a, b),
  '>': (a, b) => isNumber(a) && isNumber(b) && a > b,
  '<': (a, b) => isNumber(a) && isNumber(b) && a < b,
  '>=': (a, b) => isNumber(a) && isNumber(b) && a >= b,
  '<=': (a, b) => isNumber(a) && isNumber(b) && a <= b,
};

/**
 * The SELECT list as a projection (spec 03 §8.4): an object built item by item; `*` copies the event's top-level
 * members; an item that extracts nothing is left out; a later key overwrites an earlier one.
 */
export function compileSelect(items: readonly SelectItemNode[]): Projection {
  const steps = items.map((item) => {
    if (item.kind === 'all')
      return (event: unknown, out: Record<string, unknown>) => {
        if (event !== null && typeof event === 'object' && !Array.isArray(event))
          for (const [k, v] of Object.entries(event)) put(out, k, v);
      };
    const { key } = item;
    const value = compileOperand(item.operand);
    return (event: unknown, out: Record<string, unknown>) => {
      const v = value(event);
      if (v !== undefined) put(out, key, v);
    };
  });
  return (event) => {
    const out: Record<string, unknown> = {};
    for (const step of steps) step(event, out);
    return out;
  };
}

/** Sets a member as data, whatever its name (`__proto__` too: a key from the event or an alias is never a prototype). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value; // defineProperty for every key made a projection four times slower (bench:rules)
}
