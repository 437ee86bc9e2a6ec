// Starts the fixture server (test/fixtures/server.ts) as a child process for end-to-end tests.
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@holdfast/testkit';

const SERVER = fileURLToPath(new URL('../fixtures/server.ts', import.meta.url));

export interface Service {
  url: string;
  child: Child;
  /** Parsed `EVENT {...}` lines the server printed so far. */
  events(): Record<string, unknown>[];
}

export async function startService(t: Pick<TestContext, 'after'>, config: Record<string, unknown>): Promise<Service> {
  const child = startChild(t, process.execPath, [SERVER, JSON.stringify(config)]);
  const line = await child.waitForLine(/^listening /, 20_000);
  return {
    url: line.slice('listening '.length).trim(),
    child,
    events: () => child.lines.filter((l) => l.startsWith('EVENT ')).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>),
  };
}
