// How much memory the process can still take: the smaller of what Node reports (libuv accounts
// for the cgroup limit), the cgroup's own limit minus usage (v2 or v1), and the host's
// MemAvailable. A heap snapshot needs about twice the heap on top of what the process uses, and
// a container killed for it mid-write leaves nothing useful behind.
import { readFileSync } from 'node:fs';

function readNumber(path: string): number | undefined {
  try {
    const raw = readFileSync(path, 'utf8').trim();
    if (raw === 'max') return undefined;
    const n = Number(raw);
    // cgroup v1 reports "no limit" as a huge page-aligned number.
    return Number.isFinite(n) && n < 2 ** 60 ? n : undefined;
  } catch {
    return undefined;
  }
}

function cgroupAvailable(root: string): number | undefined {
  const v2max = readNumber(`${root}/memory.max`);
  const v2cur = readNumber(`${root}/memory.current`);
  if (v2max !== undefined && v2cur !== undefined) return Math.max(0, v2max - v2cur);
  const v1max = readNumber(`${root}/memory/memory.limit_in_bytes`);
  const v1cur = readNumber(`${root}/memory/memory.usage_in_bytes`);
  if (v1max !== undefined && v1cur !== undefined) return Math.max(0, v1max - v1cur);
  return undefined;
}

function memAvailable(): number | undefined {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function availableMemory(cgroupRoot = '/sys/fs/cgroup'): number {
  const candidates = [process.availableMemory(), cgroupAvailable(cgroupRoot), memAvailable()].filter(
    (n): n is number => typeof n === 'number' && n >= 0,
  );
  return Math.min(...candidates);
}
