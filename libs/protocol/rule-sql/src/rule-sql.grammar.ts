/**
 * The rule SQL dialect (spec 03 §8.2) as a Peggy grammar: `Statement` for a whole `SELECT … [WHERE …]`, `SelectClause`
 * and `WhereClause` for a rule's `select` and `where` fields (the keyword in front is optional there). The actions
 * build the syntax tree of rule-sql.syntax.ts; `options.functions` names the built-in functions and their arities.
 *
 * Beyond the seed, as spec 03 allows: AND binds tighter than OR and parentheses group (§8.2 [IMPL]); function calls
 * in SELECT and WHERE, with a path into what they return (§8.6: `GET_SERVICE_PROPERTIES('s').t`); string constants of any characters but `'` (written `''`) in both clauses (E-26); decimal
 * constants; `>=`, `<=`, `!=` and `<>`; digits in an alias after its first character.
 */
export const ruleSqlGrammar = String.raw`
Statement
  = _ SELECT _ select:SelectList where:(_ WHERE _ @Condition)? _ { return { select, where: where ?? undefined }; }

SelectClause
  = _ (SELECT _)? @SelectList _

WhereClause
  = _ (WHERE _)? @Condition _

SelectList
  = head:SelectItem tail:(_ "," _ @SelectItem)* { return [head, ...tail]; }

SelectItem
  = "*" { return { kind: 'all' }; }
  / operand:Constant alias:(_ @Alias)? {
      if (alias === null) error('a constant needs AS and an alias, e.g. 5 AS number');
      return { kind: 'value', key: alias, operand };
    }
  / operand:(Call / Path) alias:(_ @Alias)? { return { kind: 'value', key: alias ?? operand.text, operand }; }

Alias
  = AS _ name:(QuotedName / AliasName) {
      if (name.length > 32) error('an alias has at most 32 characters');
      return name;
    }

AliasName "an alias"
  = $(!Keyword [A-Za-z_] [A-Za-z0-9_]*)

Condition
  = head:Conjunction tail:(_ OR _ @Conjunction)* { return tail.length ? { kind: 'or', items: [head, ...tail] } : head; }

Conjunction
  = head:Predicate tail:(_ AND _ @Predicate)* { return tail.length ? { kind: 'and', items: [head, ...tail] } : head; }

Predicate
  = "(" _ @Condition _ ")"
  / operand:Operand _ IS _ not:(NOT _)? NULL { return { kind: 'null', operand, negated: not !== null }; }
  / left:Operand _ op:Comparison _ right:Operand { return { kind: 'compare', op, left, right }; }
  / call:Call {
      if (!options.functions[call.name].condition) error(call.name + ' is not a condition: compare its value');
      return { kind: 'test', call };
    }

Comparison "a comparison"
  = ">=" / "<=" / "<>" / "!=" / ">" / "<" / "="

Operand
  = Call / Constant / Path

Call "a function"
  = name:$([A-Za-z_]+) _ "(" _ args:(head:Argument tail:(_ "," _ @Argument)* { return [head, ...tail]; })? _ ")"
    path:("." @Segment)* {
      const upper = name.toUpperCase();
      const known = options.functions[upper];
      if (!known) error('unknown function ' + name);
      const given = args ?? [];
      if (given.length !== known.arity)
        error(upper + ' takes ' + known.arity + ' argument' + (known.arity === 1 ? '' : 's') + ', not ' + given.length);
      return { kind: 'call', name: upper, args: given, path, text: text() };
    }

Argument
  = String / Path

Constant
  = Number / String

Number "a number"
  = digits:$("-"? [0-9]+ ("." [0-9]+)?) ![A-Za-z0-9_.] { return { kind: 'constant', value: Number(digits) }; }

String "a string"
  = "'" chars:("''" { return "'"; } / [^'])* "'" { return { kind: 'constant', value: chars.join('') }; }

Path "a path"
  = !Number head:Segment tail:("." @Segment)* { return { kind: 'path', segments: [head, ...tail], text: text() }; }

Segment
  = QuotedName
  / !Keyword @$[A-Za-z0-9_]+

QuotedName "a quoted name"
  = '"' @$[^"]+ '"'

Keyword
  = (SELECT / WHERE / AS / AND / OR / IS / NOT / NULL)

SELECT = "SELECT"i ![A-Za-z0-9_]
WHERE = "WHERE"i ![A-Za-z0-9_]
AS = "AS"i ![A-Za-z0-9_]
AND = "AND"i ![A-Za-z0-9_]
OR = "OR"i ![A-Za-z0-9_]
IS = "IS"i ![A-Za-z0-9_]
NOT = "NOT"i ![A-Za-z0-9_]
NULL = "NULL"i ![A-Za-z0-9_]

_ "whitespace"
  = [ \t\r\n]*
`;
