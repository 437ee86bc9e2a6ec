// `holdfast convert supervisord.conf`: prints the equivalent holdfast YAML, with everything that
// does not carry over listed as comments at the top (and on stderr, so a redirect to a file
// still shows them). `--json` prints {config, warnings} for scripts.
import { writeFileSync } from 'node:fs';
import { Document, isMap, isScalar, visit } from 'yaml';
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast convert <supervisord.conf> [--json] [--strict] [-o <file>]

Reads a supervisord.conf (with its [include] files) exactly as supervisord would and prints the
equivalent holdfast config as YAML. Keys that holdfast does not support, or handles differently,
are listed as comments at the top of the YAML and on stderr; nothing is dropped silently.
%(ENV_X)s expansions take their values from the current environment.

Options:
  --json         print {"config": ..., "warnings": [...]} instead of YAML
  --strict       refuse what supervisord only warns about (an [include] that matches no file)
  -o, --output   write the result to <file> instead of stdout
  -h, --help     show this help

Examples:
  holdfast convert /etc/supervisor/supervisord.conf > holdfast.yaml
  holdfast convert supervisord.conf --json | jq '.warnings[].message'
  holdfast supervise -c supervisord.conf      # or run it directly, no conversion needed`;

interface Args {
  file: string;
  json: boolean;
  strict: boolean;
  output?: string;
}

function parseArgs(argv: string[]): Args {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean' }, strict: { type: 'boolean' }, output: { type: 'string', short: 'o' } },
    { positionals: true },
  );
  const [file, extra] = positionals;
  if (file === undefined) throw new UsageError('which supervisord.conf? Pass its path');
  if (extra !== undefined) throw new UsageError(`one config file at a time (got '${file}' and '${extra}')`);
  if (/\.(ya?ml|json)$/i.test(file)) {
    throw new UsageError(`${file} looks like a holdfast config already; convert reads supervisord .conf/.ini files`);
  }
  return {
    file,
    json: values.json === true,
    strict: values.strict === true,
    ...(values.output === undefined ? {} : { output: values.output }),
  };
}

/** YAML with short lists of scalars (argv, exit codes, group members) on one line. */
function toYaml(config: unknown, header: string[]): string {
  const doc = new Document(config);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i)) && node.items.length <= 12) node.flow = true;
    },
  });
  // A blank line before each program and group keeps a long file readable.
  if (isMap(doc.contents)) doc.contents.items.forEach((pair, i) => i > 0 && isScalar(pair.key) && (pair.key.spaceBefore = true));
  for (const section of ['programs', 'groups']) {
    const map = doc.get(section);
    if (isMap(map)) map.items.forEach((pair, i) => i > 0 && isScalar(pair.key) && (pair.key.spaceBefore = true));
  }
  doc.commentBefore = header.join('\n');
  return doc.toString({ lineWidth: 0 });
}

function header(file: string, files: string[], warnings: string[], envFromProcess: string[]): string[] {
  const lines = [` holdfast config converted from ${file} by 'holdfast convert'.`];
  if (files.length > 1) lines.push(` Includes read: ${files.slice(1).join(', ')}`);
  if (envFromProcess.length > 0) {
    lines.push(` Values copied from the environment at conversion time (%(ENV_X)s): ${envFromProcess.join(', ')}`);
  }
  if (warnings.length > 0) {
    lines.push('', ` ${warnings.length} warning(s): what holdfast does differently or not at all`);
    for (const w of warnings) lines.push(`   ${w}`);
  }
  return lines;
}

export const command: Command = {
  path: ['convert'],
  summary: 'print the holdfast YAML equivalent of a supervisord.conf',
  usage,
  async run(argv) {
    const args = parseArgs(argv);
    const { readSupervisordConf, formatWarning, capLines } = await import('@holdfast/supervisor');
    let result: ReturnType<typeof readSupervisordConf>;
    try {
      result = readSupervisordConf(args.file, { strict: args.strict });
    } catch (err) {
      // Scripts asking for JSON get the error as JSON too (the issues carry file, line and path).
      const e = err as Error & { code?: string; issues?: unknown[] };
      if (!args.json || e.code !== 'HOLDFAST_E_CONFIG') throw err;
      process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message, issues: e.issues ?? [] } }, null, 2) + '\n');
      process.stderr.write(`holdfast convert: [${e.code}] ${e.message}\n`);
      return 1;
    }
    const warnings = result.warnings.map(formatWarning);
    const { config, files, envFromProcess } = result;
    const text = args.json
      ? `${JSON.stringify({ config, warnings: result.warnings, envFromProcess, files }, null, 2)}\n`
      : toYaml(result.config, header(args.file, result.files, warnings, result.envFromProcess));
    if (args.output !== undefined) writeFileSync(args.output, text);
    else process.stdout.write(text);
    for (const w of capLines(warnings)) process.stderr.write(`warning: ${w}\n`);
    if (args.output !== undefined) {
      process.stderr.write(`wrote ${args.output} (${Object.keys(result.config.programs).length} programs, ${warnings.length} warnings)\n`);
    }
    return 0;
  },
};
