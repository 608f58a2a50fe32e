// The syntax tree the grammar builds (rule-sql.grammar.ts): what a rule's SQL says, before it is compiled.

export interface PathNode {
  readonly kind: 'path';
  readonly segments: readonly string[];
  /** As written: the key of an unaliased SELECT item (spec 03 §8.4). */
  readonly text: string;
}

export interface ConstantNode {
  readonly kind: 'constant';
  readonly value: number | string;
}

export interface CallNode {
  readonly kind: 'call';
  /** Upper case: function names are case-insensitive (spec 03 §8.6). */
  readonly name: string;
  readonly args: readonly (PathNode | ConstantNode)[];
  /** Members read from what the function returns (`GET_SERVICE_PROPERTIES('s').temp`). */
  readonly path: readonly string[];
  readonly text: string;
}

export type OperandNode = PathNode | ConstantNode | CallNode;

export type SelectItemNode =
  { readonly kind: 'all' } | { readonly kind: 'value'; readonly key: string; readonly operand: OperandNode };

export type ComparisonOperator = '=' | '!=' | '<>' | '>' | '<' | '>=' | '<=';

export type ConditionNode =
  | { readonly kind: 'or' | 'and'; readonly items: readonly ConditionNode[] }
  | { readonly kind: 'null'; readonly operand: OperandNode; readonly negated: boolean }
  | {
      readonly kind: 'compare';
      readonly op: ComparisonOperator;
      readonly left: OperandNode;
      readonly right: OperandNode;
    }
  | { readonly kind: 'test'; readonly call: CallNode };

export interface StatementNode {
  readonly select: readonly SelectItemNode[];
  readonly where?: ConditionNode;
}
