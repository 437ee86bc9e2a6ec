// The miner's state on disk, one JSON file per program in <stateDir>/mining/, so template ids and
// baselines survive a daemon restart. Plain JSON read with JSON.parse and checked field by field
// by insight's restore (no code-executing deserializer). Written to a temporary file and renamed,
// so a crash mid-write leaves the previous state. A file that cannot be read is moved aside (kept
// for a person to look at) and the program starts with no templates; nothing else is refused.
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramMinerState } from '@holdfast/insight/mining';

const FORMAT = 'holdfast-mining-program';
const VERSION = 1;

export interface SavedProgram {
  format: typeof FORMAT;
  version: number;
  program: string;
  savedAt: string;
  state: ProgramMinerState;
}

export class MiningStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'mining');
  }

  fileOf(program: string): string {
    return join(this.dir, `${program}.json`);
  }

  /** The saved state of a program: undefined when there is none; throws with the reason when the file is unreadable. */
  load(program: string): ProgramMinerState | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(program), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const o = JSON.parse(text) as Partial<SavedProgram>;
    if (typeof o !== 'object' || o === null || o.format !== FORMAT) throw new Error(`not a saved miner state (format must be '${FORMAT}')`);
    if (o.version !== VERSION) throw new Error(`saved with format version ${String(o.version)}; this daemon reads version ${VERSION}`);
    if (typeof o.state !== 'object' || o.state === null) throw new Error('it has no state');
    return o.state;
  }

  save(program: string, state: ProgramMinerState, now: Date): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(program);
    const body: SavedProgram = { format: FORMAT, version: VERSION, program, savedAt: now.toISOString(), state };
    writeFileSync(`${file}.tmp`, JSON.stringify(body), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** Moves an unreadable file aside; returns where it went. */
  setAside(program: string, now: Date): string {
    const to = `${this.fileOf(program)}.invalid-${now.toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(this.fileOf(program), to);
    } catch {
      rmSync(this.fileOf(program), { force: true });
    }
    return to;
  }
}
