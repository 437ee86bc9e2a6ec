import { commands, type CommandEntry } from './registry.ts';
import { UsageError } from './command.ts';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const rows = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `holdfast: high availability for TypeScript services\n\nUsage: holdfast <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun 'holdfast <command> --help' for a command's options.`;
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
    const near = commands.filter((c) => c.path[0] === argv[0]).map((c) => `holdfast ${c.path.join(' ')}`);
    console.error(`holdfast: unknown command '${argv.join(' ')}'.` + (near.length ? ` Did you mean: ${near.join(', ')}?` : ` Run 'holdfast --help' for the list.`));
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
