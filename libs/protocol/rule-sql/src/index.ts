export {
  type CompiledRuleSql,
  type RuleSqlText,
  type SqlClause,
  RuleSqlError,
  compileRuleSql,
  compileRuleStatement,
  maxClauseLength,
} from './rule-sql';
