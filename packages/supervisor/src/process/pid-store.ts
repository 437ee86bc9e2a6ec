// Every running instance leaves a record on disk (stateDir/pids/<instance>.json): pid, process
// group, cgroup, and the process's start time with the boot id, so a restarted daemon can tell
// its own leftover children from an unrelated process that reused the pid.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootId, readProcStat } from './proc.ts';

export interface PidRecord {
  id: string;
  program: string;
  pid: number;
  pgid: number;
  startTicks: number;
  bootId: string;
  marker: string;
  cgroup?: string;
  stopSignal: string;
  stopTimeoutMs: number;
  spawnedAt: string;
}

export class PidStore {
  readonly dir: string;
  private readonly boot = bootId();

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'pids');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private file(id: string): string {
    return join(this.dir, `${id.replace(/[^A-Za-z0-9_.@-]/g, '@')}.json`);
  }

  record(r: Omit<PidRecord, 'startTicks' | 'bootId' | 'spawnedAt'>): void {
    const full: PidRecord = {
      ...r,
      startTicks: readProcStat(r.pid)?.startTicks ?? -1,
      bootId: this.boot,
      spawnedAt: new Date().toISOString(),
    };
    const f = this.file(r.id);
    writeFileSync(`${f}.tmp`, JSON.stringify(full));
    renameSync(`${f}.tmp`, f);
  }

  remove(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  /** Every record left by a previous run. */
  all(): PidRecord[] {
    const out: PidRecord[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as PidRecord);
      } catch {}
    }
    return out;
  }

  /** True when the process of `r` is still the one we started (same boot, same start time). */
  isSameProcess(r: PidRecord): boolean {
    if (r.bootId !== this.boot) return false;
    const st = readProcStat(r.pid);
    return st !== undefined && st.state !== 'Z' && st.startTicks === r.startTicks;
  }

  clear(): void {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { force: true });
  }
}
