// Actions the agent left running. A SIGKILLed or frozen agent may have children in flight — an
// `ip addr add`, a start script, a gratuitous ARP — that would carry on after the fence tore the
// term down: a VIP added back after the fence removed it is two holders once the next leader
// adds its own. Every action process carries its agent's marker in its environment
// (ACTION_MARKER_ENV, set by runCommand inside the runner's action scope), so the fence finds them
// in /proc, ends them with SIGKILL, and only then tears down.
import { readdirSync, readFileSync } from 'node:fs';
import { ACTION_MARKER_ENV } from '../resources/command.ts';
import type { StepResult } from './protocol.ts';

/** Pids of live processes whose environment has ACTION_MARKER_ENV=<marker> (zombies have none). */
export function markedProcesses(marker: string, procDir = '/proc'): number[] {
  const needle = Buffer.from(`\0${ACTION_MARKER_ENV}=${marker}\0`);
  const pids: number[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`${procDir}/${name}/environ`);
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    // environ is "K=V\0K=V\0…": a leading NUL makes the first entry match like the others.
    if (Buffer.concat([Buffer.from([0]), env]).includes(needle)) pids.push(Number(name));
  }
  return pids;
}

/**
 * SIGKILLs every process carrying `marker` and waits (up to `waitMs`) until none is left.
 * ok is false when one survived or /proc could not be read: the term is then not known to be over.
 */
export async function killStrays(
  marker: string,
  { waitMs = 1000, procDir = '/proc' }: { waitMs?: number; procDir?: string } = {},
): Promise<StepResult & { killed: number }> {
  const started = performance.now();
  const hit = new Set<number>();
  try {
    for (;;) {
      const pids = markedProcesses(marker, procDir);
      if (pids.length === 0) return { resource: 'actions', ok: true, killed: hit.size, tookMs: performance.now() - started };
      if (performance.now() - started > waitMs) {
        return {
          resource: 'actions',
          ok: false,
          killed: hit.size,
          error: `action process(es) ${pids.join(', ')} still run after SIGKILL`,
          tookMs: performance.now() - started,
        };
      }
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          hit.add(pid);
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } catch (err) {
    return {
      resource: 'actions',
      ok: false,
      killed: hit.size,
      error: `cannot look for action processes: ${(err as Error).message}`,
      tookMs: performance.now() - started,
    };
  }
}
