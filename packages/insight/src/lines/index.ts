// Reading log lines as people write them (re-exported by the package entry).
export { type LogEvent } from './event.ts';
export { LEVELS, NO_LEVEL, levelName, parseLevel, type LevelName } from './levels.ts';
export { parseJsonLine } from './json.ts';
export { parseLogfmtLine, parseLogfmtPairs } from './logfmt.ts';
export { splitHeader, compileHeaderFormat, type HeaderSplit } from './header.ts';
export { MultilineFolder, type FoldLimits } from './multiline.ts';
export { LineSplitter, splitterStats, type SplitterStats } from './splitter.ts';
