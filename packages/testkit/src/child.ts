// A child process for tests: output captured line by line, waitable by pattern, killed (with
// its whole process group) when the test ends.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { TestContext } from 'node:test';
import { cleanup } from './cleanup.ts';

export interface StartChildOptions extends Omit<SpawnOptions, 'stdio' | 'detached'> {
  /** Extra stdio entries after stdin/stdout/stderr (e.g. 'ipc' or a notify pipe). */
  extraStdio?: Array<'ipc' | 'pipe' | 'ignore' | 'inherit' | number>;
  /** Print the child's output to the test's stderr as it arrives (debugging). */
  echo?: boolean;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Every line written to stdout and stderr so far, in arrival order. */
  lines: string[];
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with {code, signal} when the child exits (immediately if it already has). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function startChild(t: Pick<TestContext, 'after'>, command: string, args: string[], options: StartChildOptions = {}): Child {
  const { extraStdio = [], echo = false, ...rest } = options;
  // A process group of its own, so cleanup can kill grandchildren too.
  const proc = spawn(command, args, { ...rest, stdio: ['ignore', 'pipe', 'pipe', ...extraStdio], detached: true });
  const lines: string[] = [];
  let out = '';
  let err = '';
  const events = new EventEmitter();
  const feed = (which: 'out' | 'err') => {
    let partial = '';
    return (chunk: Buffer) => {
      const s = chunk.toString('utf8');
      if (which === 'out') out += s;
      else err += s;
      if (echo) process.stderr.write(s);
      partial += s;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        events.emit('line', line);
      }
    };
  };
  proc.stdout?.on('data', feed('out'));
  proc.stderr?.on('data', feed('err'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (done || proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, signal);
    } catch {
      try {
        proc.kill(signal);
      } catch {}
    }
  };
  cleanup(t, async () => {
    killGroup('SIGKILL');
    if (!done) await exited;
  });
  const matches = (line: string, p: RegExp | string) => (typeof p === 'string' ? line.includes(p) : p.test(line));
  return {
    proc,
    pid: proc.pid ?? -1,
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!done) proc.kill(signal);
    },
    waitForLine(pattern, timeoutMs = 10_000) {
      const found = lines.find((l) => matches(l, pattern));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('line', onLine);
          reject(
            new Error(
              `timed out ` +
                `after ${timeoutMs} ms waiting for a line ` +
                `matching ${String(pattern)}; output so ` +
                `far:\n${lines.slice(-30).join('\n')}`,
            ),
          );
        }, timeoutMs);
        const onLine = (line: string) => {
          if (!matches(line, pattern)) return;
          clearTimeout(timer);
          events.off('line', onLine);
          resolve(line);
        };
        events.on('line', onLine);
        void exited.then(({ code, signal }) => {
          if (!events.listenerCount('line')) return;
          clearTimeout(timer);
          events.off('line', onLine);
          reject(
            new Error(
              `child exited ` +
                `(code ${code}, ` +
                `signal ${signal}) before a line ` +
                `matched ${String(pattern)}; ` +
                `output:\n${lines.slice(-30).join('\n')}`,
            ),
          );
        });
      });
    },
  };
}
