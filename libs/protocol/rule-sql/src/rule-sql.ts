import { generate } from 'peggy';
import { type Predicate, type Projection, compileCondition, compileSelect } from './evaluate';
import { sqlFunctions } from './functions';
import { ruleSqlGrammar } from './rule-sql.grammar';
import type { ConditionNode, SelectItemNode, StatementNode } from './syntax';

/** Most characters in a SELECT or WHERE clause (spec 03 §8.1). */
export const maxClauseLength = 500;

export type SqlClause = 'select' | 'where' | 'statement';

/** Bad rule SQL: which clause, where in it (0-based offset, 1-based column) and what is wrong. */
export class RuleSqlError extends Error {
  constructor(
    readonly clause: SqlClause,
    readonly offset: number,
    readonly problem: string,
  ) {
    super(
      `${clause === 'statement' ? 'SQL' : clause.toUpperCase()} clause, column ${offset + 1}: ${problem}`,
    );
    this.name = 'RuleSqlError';
  }
}

/** A rule's SQL compiled: whether an event matches its WHERE, and the object its SELECT makes of it. */
export interface CompiledRuleSql {
  matches: Predicate;
  project: Projection;
}

/** A rule's `select` and `where` fields; empty or absent means every event, forwarded whole. */
export interface RuleSqlText {
  readonly select?: string | undefined;
  readonly where?: string | undefined;
}

const parser = generate(ruleSqlGrammar, {
  allowedStartRules: ['Statement', 'SelectClause', 'WhereClause'],
});

/** Compiles a rule's `select` and `where` (spec 03 §8); a RuleSqlError names the clause, the column and the problem. */
export function compileRuleSql(sql: RuleSqlText): CompiledRuleSql {
  const select = sql.select?.trim()
    ? parse<SelectItemNode[]>('select', sql.select, 'SelectClause')
    : undefined;
  const where = sql.where?.trim() ? parse<ConditionNode>('where', sql.where, 'WhereClause') : undefined;
  return compiled({ select: select ?? [{ kind: 'all' }], ...(where ? { where } : {}) }); // no SELECT: as `*`
}

/** Compiles a whole `SELECT … [WHERE …]` statement (the test vectors of spec 03 §8.8, SQL debugging §8.9). */
export function compileRuleStatement(statement: string): CompiledRuleSql {
  return compiled(parse<StatementNode>('statement', statement, 'Statement'));
}

function compiled({ select, where }: StatementNode): CompiledRuleSql {
  return { matches: where ? compileCondition(where) : () => true, project: compileSelect(select) };
}

function parse<T>(clause: SqlClause, text: string, startRule: string): T {
  const limit = clause === 'statement' ? 2 * maxClauseLength + 'SELECT  WHERE '.length : maxClauseLength;
  if (text.length > limit)
    throw new RuleSqlError(clause, limit, `${text.length} characters, at most ${limit} (spec 03 §8.1)`);
  // eslint-disable-next-line no-control-regex -- ASCII is the rule (spec 03 §8.1)
  const foreign = /[^\u0000-\u007f]/.exec(text);
  if (foreign) throw new RuleSqlError(clause, foreign.index, `only ASCII characters, not "${foreign[0]}"`);
  try {
    return parser.parse(text, { startRule, functions: sqlFunctions }) as T;
  } catch (error) {
    if (!isSyntaxError(error)) throw error;
    throw new RuleSqlError(clause, error.location.start.offset, problemOf(error));
  }
}

interface PeggySyntaxError {
  message: string;
  location: { start: { offset: number } };
  found: string | null;
  expected: { type: string; description?: string; text?: string }[] | null;
}

function isSyntaxError(error: unknown): error is PeggySyntaxError {
  return error instanceof Error && error.name === 'SyntaxError' && 'location' in error;
}

/** Peggy's own message for what an action refused; for a failed match, what was found and the few things expected. */
function problemOf(error: PeggySyntaxError): string {
  if (!error.expected) return error.message;
  const expected = [
    ...new Set(
      error.expected
        .filter((e) => e.type !== 'other' || e.description !== 'whitespace')
        .map((e) =>
          e.type === 'literal' ? JSON.stringify(e.text) : e.type === 'end' ? 'the end' : e.description,
        ),
    ),
  ];
  const found = error.found === null ? 'the end' : JSON.stringify(error.found);
  return `unexpected ${found}; expected ${expected.slice(0, 6).join(', ')}${expected.length > 6 ? ', …' : ''}`;
}
