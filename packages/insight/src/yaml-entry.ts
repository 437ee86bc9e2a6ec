// @holdfast/insight/yaml: the knowledge base and alert rule files on disk, with file:line:column
// in every error and comments kept on write-back. Needs the peer dependency `yaml`; the core
// entry (and so the supervisor daemon) never loads it.
export { YamlSource } from './yaml/source.ts';
export { loadKnowledgeFile, appendKnowledgeEntry, knowledgePositions } from './yaml/knowledge-file.ts';
export { readRuleFile, lintFiles, kindOfRuleFile, type RuleFileKind, type LintResult } from './yaml/rule-files.ts';
