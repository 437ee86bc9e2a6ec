// Reads a supervisord.conf as it is: the same file, the same meaning, as holdfast config input.
// `holdfast supervise -c supervisord.conf` runs it through here, and `holdfast convert` prints
// the result as YAML.
import { ConfigError, type ConfigIssue } from '@holdfast/config';
import { supervisorConfigSchema, type SupervisorConfigInput } from '../config/schema.ts';
import { readConf, type ReadOptions } from './conf.ts';
import { Report, formatWarning, type ConvertWarning, type Origin } from './report.ts';
import { originOf, toHoldfast } from './to-holdfast.ts';

export type { ConvertWarning, ReadOptions };
export { formatWarning };

export interface SupervisordConversion {
  /** The equivalent holdfast config, in the form a user writes in holdfast.yaml. */
  config: SupervisorConfigInput;
  /** What holdfast does differently or not at all, each with file and line. */
  warnings: ConvertWarning[];
  /** Environment variables whose values %(ENV_X)s copied into the config at read time. */
  envFromProcess: string[];
  /** Every file read: the main file, then its includes. */
  files: string[];
}

/**
 * Reads `file` (and its [include]s) with supervisord's semantics and returns the equivalent
 * holdfast config. Throws ConfigError listing every problem with file, line, section and key.
 */
export function readSupervisordConf(file: string, options: ReadOptions = {}): SupervisordConversion {
  const report = new Report();
  const conf = readConf(file, report, options);
  report.throwIfErrors(file);
  const converted = toHoldfast(conf, report);
  const { config } = converted;
  report.throwIfErrors(file);
  // The result must be a config holdfast accepts; if a value does not fit (say, backups above
  // holdfast's limit), say where it came from.
  const parsed = supervisorConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const at: Origin | undefined = originOf(converted, path);
      return {
        ...(at ? { file: at.file, line: at.line } : { file }),
        path: at ? [at.section, ...(at.key === undefined ? [] : [at.key])] : path,
        message:
          `holdfast cannot take this ` +
          `value: ${issue.message.replace(/^Invalid input: /, '')} ` +
          `(at ${path.join('.')} of the converted config)`,
      };
    });
    throw new ConfigError(issues, `the supervisord configuration in ${file} does not fit holdfast`);
  }
  // In file order (main file first, then includes), line by line, whatever order they were found in.
  const rank = (w: ConvertWarning) => report.fileOrder.indexOf(w.file);
  const warnings = [...report.warnings].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
  return { config, warnings, envFromProcess: conf.envFromProcess, files: conf.files };
}
