export { createRuleEngine } from './rule-engine.bootstrap';
