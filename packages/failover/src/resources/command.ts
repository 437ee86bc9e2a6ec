// Runs one external command (ip, arping, a resource script) the way every resource action
// needs it: bounded by an AbortSignal, output captured, never a shell unless asked for, and a
// result instead of an exception for a non-zero exit (exit codes carry meaning: OCF's 7,
// arping's 1 for "someone answered").
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every process a resource action runs carries this variable, set to its agent's marker, so the
 * agent's fence can find (and end) actions still running after the agent itself died or froze:
 * an `ip addr add` or a start script in flight must not outlive the term it belongs to.
 */
export const ACTION_MARKER_ENV = 'HOLDFAST_FAILOVER_ACTION';

/** The marker of the agent whose action is running: the resource runner runs every action inside it. */
export const actionScope = new AsyncLocalStorage<string>();

export interface CommandResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the signal (timeout, demotion deadline) ended the run. */
  aborted: boolean;
}

export interface RunOptions {
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  signal?: AbortSignal;
  /** Signal sent when `signal` aborts (SIGKILL a moment later if it lingers). Default SIGTERM. */
  killSignal?: NodeJS.Signals;
  /** Bytes of stdout/stderr kept (the rest is dropped). */
  maxOutput?: number;
  /**
   * Run in a process group of its own and signal the whole group (scripts that start children).
   * After an abort the result comes only once no live process of the group is left (SIGKILLed
   * and awaited), so an aborted action can never act after its caller moved on.
   */
  group?: boolean;
}

/** Grace between the polite signal and SIGKILL when an aborted command does not exit. */
const KILL_GRACE_MS = 500;
/** How long output is still read after the process exited (its children may hold the pipes). */
const OUTPUT_DRAIN_MS = 100;

/** Pids of the live (not zombie) processes in process group `pgid`, read from /proc. */
export function groupMembers(pgid: number, procDir = '/proc'): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`${procDir}/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) S ppid pgrp …": the fields after the last ')' are state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

/** SIGKILLs process group `pgid` until no live member is left; polls (10 ms, then 50 ms) until then. */
async function killGroup(pgid: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
    if (groupMembers(pgid).length === 0) return;
    // A process in uninterruptible sleep dies only when its I/O returns: keep waiting for it.
    await new Promise((r) => setTimeout(r, performance.now() - started < 2000 ? 10 : 50).unref());
  }
}

export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const { signal, killSignal = 'SIGTERM', maxOutput = 64 * 1024 } = opts;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: true });
      return;
    }
    const marker = actionScope.getStore();
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, ...(marker ? { [ACTION_MARKER_ENV]: marker } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.group === true,
    });
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (opts.group && child.pid !== undefined) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {}
    };
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < maxOutput) stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < maxOutput) stderr += s;
    });
    const onAbort = () => {
      aborted = true;
      kill(killSignal);
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      const result = { code, signal: sig, stdout, stderr, aborted };
      // Aborted: what the script started may outlive it (a child ignoring SIGTERM); the result
      // waits until the whole group is gone.
      if (aborted && opts.group && child.pid !== undefined) void killGroup(child.pid).then(() => resolve(result));
      else resolve(result);
    };
    child.once('close', finish);
    // A script that leaves a daemon behind (`svc &`) hands it our stdout: 'close' would wait for
    // the daemon. Take the exit status, give the pipes a moment to drain, and stop reading.
    child.once('exit', (code, sig) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, sig);
      }, OUTPUT_DRAIN_MS).unref();
    });
  });
}

/** The command's own words for a failure, for error messages: stderr, else stdout, trimmed and short. */
export function outputOf(r: CommandResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' / ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Prefix that runs `file` inside network namespace `netns` (or as is, in the current one). */
export function inNetns(netns: string | undefined, file: string, args: readonly string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, [...args]];
}
