// Real agent processes for tests: `holdfast failover -c <config>` started through the CLI, with
// a config written to a temp dir, and a shared action log that exec resources append to (each
// line: action, fencing token, node), so a test can prove who acted with which token and when.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startChild, type Child } from '@holdfast/testkit';

export const cli = new URL('../../../cli/bin/holdfast.ts', import.meta.url).pathname;

export interface AgentProc {
  node: string;
  child: Child;
  config: string;
  socket: string;
  /** Parsed JSON log lines with an `event` field. */
  events(): Record<string, unknown>[];
  waitForEvent(event: string, match?: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** An exec resource that logs every start/monitor/stop with its token into `log`. */
export function loggingResource(log: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const line = (action: string) => `echo "${action} $HOLDFAST_FENCING_TOKEN $HOLDFAST_NODE" >> ${log}`;
  return {
    kind: 'exec',
    name: 'app',
    start: line('start'),
    stop: line('stop'),
    monitor: line('monitor'),
    interval: '100ms',
    timeout: '2s',
    ...extra,
  };
}

export function startAgent(t: Pick<TestContext, 'after'>, dir: string, node: string, config: Record<string, unknown>): AgentProc {
  const socket = join(dir, `${node}.sock`);
  const file = join(dir, `${node}.json`);
  writeFileSync(file, JSON.stringify({ node, status: { socket }, fences: [], ...config }, null, 2));
  const child = startChild(t, process.execPath, [cli, 'failover', '-c', file]);
  const events = () =>
    child.lines.flatMap((l) => {
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        return typeof j.event === 'string' ? [j] : [];
      } catch {
        return [];
      }
    });
  return {
    node,
    child,
    config: file,
    socket,
    events,
    async waitForEvent(event, match = () => true, timeoutMs = 30_000) {
      const found = (l: string) => {
        try {
          const j = JSON.parse(l) as Record<string, unknown>;
          return j.event === event && match(j);
        } catch {
          return false;
        }
      };
      return JSON.parse(await child.waitForLine({ test: found } as unknown as RegExp, timeoutMs)) as Record<string, unknown>;
    },
  };
}

/** The action log as [action, token, node] rows. */
export function actions(log: string): [string, number, string][] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {}
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [a, tok, n] = l.split(' ');
      return [a!, Number(tok), n!];
    });
}
