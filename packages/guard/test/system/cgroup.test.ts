import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { readCgroupLimits } from '../../src/index.ts';
import { resolveLimits } from '../../src/signals/sampler.ts';

function tree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

// mountinfo lines: id parent major:minor root mountpoint options - fstype source superoptions
const V1_MOUNTS = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('cgroup limits', () => {
  it('v1: reads memory.limit_in_bytes and cfs quota/period of the process cgroup', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '12:memory:/app/web\n4:cpu,cpuacct:/app/web\n0::/\n',
      'proc/self/mountinfo': V1_MOUNTS,
      'sys/fs/cgroup/memory/app/web/memory.limit_in_bytes': '536870912\n',
      'sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_quota_us': '150000\n',
      'sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_period_us': '100000\n',
    });
    assert.deepEqual(readCgroupLimits(root), { version: 1, memoryLimitBytes: 536870912, cpuQuotaCores: 1.5 });
  });

  it('v1: "unlimited" values (~2^63, quota -1) read as no limit, and an ancestor limit applies', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '12:memory:/app/web\n4:cpu,cpuacct:/app/web\n',
      'proc/self/mountinfo': V1_MOUNTS,
      'sys/fs/cgroup/memory/app/web/memory.limit_in_bytes': '9223372036854771712\n',
      'sys/fs/cgroup/memory/app/memory.limit_in_bytes': '1073741824\n',
      'sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      'sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_quota_us': '-1\n',
      'sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_period_us': '100000\n',
    });
    assert.deepEqual(readCgroupLimits(root), { version: 1, memoryLimitBytes: 1073741824, cpuQuotaCores: null });
  });

  it('v1 inside a container: the mount shows only the container subtree (mount root = cgroup path)', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n',
      'proc/self/mountinfo': [
        '31 30 0:28 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct',
        '34 30 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory',
      ].join('\n'),
      'sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456\n',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000\n',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    assert.deepEqual(readCgroupLimits(root), { version: 1, memoryLimitBytes: 268435456, cpuQuotaCores: 0.5 });
  });

  it('v2: reads memory.max and cpu.max, walking up for the tightest limit', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '0::/system.slice/web.service\n',
      'proc/self/mountinfo': '25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
      'sys/fs/cgroup/system.slice/web.service/memory.max': 'max\n',
      'sys/fs/cgroup/system.slice/memory.max': '2147483648\n',
      'sys/fs/cgroup/system.slice/web.service/cpu.max': '200000 100000\n',
      'sys/fs/cgroup/system.slice/cpu.max': 'max 100000\n',
    });
    assert.deepEqual(readCgroupLimits(root), { version: 2, memoryLimitBytes: 2147483648, cpuQuotaCores: 2 });
  });

  it('v2 unlimited everywhere, and no cgroup files at all', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': '25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
      'sys/fs/cgroup/memory.max': 'max\n',
      'sys/fs/cgroup/cpu.max': 'max 100000\n',
    });
    assert.deepEqual(readCgroupLimits(root), { version: 2, memoryLimitBytes: null, cpuQuotaCores: null });
    assert.deepEqual(readCgroupLimits(tempDir(t)), { version: null, memoryLimitBytes: null, cpuQuotaCores: null });
  });

  it('a manual cpuCores override wins over the cgroup quota (kratos/aegis#18: wrong quota in Kata)', (t) => {
    const root = tree(tempDir(t), {
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': '25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
      'sys/fs/cgroup/cpu.max': '400000 100000\n',
      'sys/fs/cgroup/memory.max': '1000000\n',
    });
    assert.deepEqual(resolveLimits({ cgroupRoot: root }), { cpuCores: 4, memoryLimitBytes: 1000000 });
    assert.deepEqual(resolveLimits({ cgroupRoot: root, cpuCores: 0.5, memoryLimitBytes: 42 }), { cpuCores: 0.5, memoryLimitBytes: 42 });
  });

  it('reads this machine without throwing (cgroup v1 here)', () => {
    const limits = readCgroupLimits();
    assert.ok(limits.version === 1 || limits.version === 2 || limits.version === null);
  });
});
