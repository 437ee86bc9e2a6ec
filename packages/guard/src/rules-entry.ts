// @holdfast/guard/rules: zod schemas and JSON Schema of the rules, and a YAML/JSON file source
// with hot reload. Needs the peer dependencies zod and yaml; the core entry needs neither.
export {
  flowRuleSchema,
  breakerRuleSchema,
  hotspotRuleSchema,
  isolationRuleSchema,
  systemRuleSchema,
  rulesSchema,
  rulesJsonSchema,
} from './schema/zod.ts';
export {
  parseRulesText,
  loadRulesFile,
  watchRulesFile,
  type ParseRulesOptions,
  type RulesFileWatcher,
  type WatchRulesOptions,
} from './schema/file-source.ts';
export { SourceMap, type Located } from '@holdfast/config/locate';
export { validateRules, type GuardRules } from './manager/validate.ts';
