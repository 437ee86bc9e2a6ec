import { didYouMean } from '@holdfast/config/did-you-mean';
import { UsageError } from './errors.ts';
import { commands, type CommandEntry } from './registry.ts';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const rows = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    'holdfast: high availability for TypeScript services',
    '',
    'Usage: holdfast <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'holdfast <command> --help' for a command's options.",
  ].join('\n');
}

function match(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[] } | undefined;
  for (const entry of commands) {
    if (entry.path.every((w, i) => argv[i] === w) && (!best || entry.path.length > best.entry.path.length)) {
      best = { entry, rest: argv.slice(entry.path.length) };
    }
  }
  return best;
}

/** Runs the command line and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    const { createRequire } = await import('node:module');
    console.log((createRequire(import.meta.url)('../package.json') as { version: string }).version);
    return 0;
  }
  const found = match(argv);
  if (!found) {
    // Commands that start with the same word ('gen k9s' → gen k8s, gen systemd), else the nearest first word.
    const first = commands.some((c) => c.path[0] === argv[0]) ? argv[0] : didYouMean(argv[0]!, new Set(commands.map((c) => c.path[0]!)));
    const near = commands.filter((c) => c.path[0] === first).map((c) => `holdfast ${c.path.join(' ')}`);
    const help = near.length ? ` Did you mean: ${near.join(', ')}?` : ` Run 'holdfast --help' for the list.`;
    console.error(`holdfast: unknown command '${argv.join(' ')}'.${help}`);
    return 2;
  }
  const command = await found.entry.load();
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(found.rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`holdfast ${command.path.join(' ')}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    const e = err as Error & { code?: string };
    console.error(`holdfast ${command.path.join(' ')}: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
    return 1;
  }
}
