import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readNumber(file: string): number | undefined {
  const t = readText(file);
  if (t === undefined) return undefined;
  const n = Number(t.trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}

export function readPids(file: string): number[] {
  const t = readText(file);
  if (!t) return [];
  return t
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Writes a cgroup file; returns the error text instead of throwing. */
export function tryWrite(file: string, value: string): string | undefined {
  try {
    writeFileSync(file, value);
    return undefined;
  } catch (err) {
    return `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

export function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

export const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export { existsSync };

/**
 * rmdir of cgroup directories. Right after its last process exits a cgroup can still be busy
 * for a moment (EBUSY) while the kernel releases the task: retry briefly instead of leaving it.
 */
export async function removeCgroupDirs(dirs: string[], attempts = 50): Promise<boolean> {
  let left = dirs;
  for (let i = 0; i < attempts && left.length > 0; i++) {
    left = left.filter((d) => {
      try {
        rmdirSync(d);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EBUSY';
      }
    });
    if (left.length > 0) await new Promise((r) => setTimeout(r, 20));
  }
  return left.length === 0;
}

/** The cgroup path of this process per controller, from /proc/self/cgroup ('' key = v2). */
export function parseSelfCgroup(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[1]!.split(',').map((c) => c.replace(/^name=/, ''));
    for (const c of controllers) map.set(c, m[2]!);
  }
  return map;
}
