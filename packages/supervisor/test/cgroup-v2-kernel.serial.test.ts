// cgroup v2 on a real kernel. This machine runs the hybrid layout (v1 holds cpu, memory, pids;
// the unified v2 tree has only hugetlb), and a controller bound to v1 cannot be moved to v2 while
// v1 cgroups exist, so the v2 driver's kernel tests (kernel/cgroup-v2.guest.ts) run in a VM: a
// Debian kernel booted by QEMU, the host's root shared read-only, cgroup2 mounted with every
// controller; the service's heap advice (test/kernel/heap-fit-v2.guest.ts) runs there too. On a
// host whose own v2 tree has the controllers they run directly. Serial: the VM
// emulates its CPU (TCG) and takes both cores for a few minutes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cannotRun, kernelVmProblem, runInKernelVm, startChild } from '@holdfast/testkit';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..', '..');
// The supervisor's v2 driver, and the service's reading of its own v2 memory limit (the heap advice).
const guests = [join(here, 'kernel', 'cgroup-v2.guest.ts'), join(repo, 'packages', 'service', 'test', 'kernel', 'heap-fit-v2.guest.ts')];
const GUEST_TESTS = 7;

function hostHasV2Controllers(): boolean {
  try {
    const c = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/);
    return ['cpu', 'memory', 'pids'].every((x) => c.includes(x));
  } catch {
    return false;
  }
}

function assertAllPassed(code: number | null, output: string): void {
  const tail = output.split('\n').slice(-80).join('\n');
  assert.equal(code, 0, `the kernel tests failed:\n${tail}`);
  assert.match(output, new RegExp(`^# pass ${GUEST_TESTS}$`, 'm'), `expected ${GUEST_TESTS} passing kernel tests:\n${tail}`);
  assert.match(output, /^# fail 0$/m);
}

test(
  'cgroup v2 on a real v2 kernel: the driver (delegation, limits in the kernel files, OOM kill, pids.max, ' +
    'cgroup.kill) and the service reading its memory.max',
  { timeout: 1_200_000 },
  async (t) => {
    // One file at a time: both move their processes into leaves of the same delegated cgroup.
    const argv = [process.execPath, '--test', '--test-reporter=tap', '--test-timeout=300000', '--test-concurrency=1', ...guests];
    if (hostHasV2Controllers()) {
      // Directly: needs root in a delegated cgroup (systemd's Delegate=yes), which the guest file checks.
      const child = startChild(t, argv[0]!, argv.slice(1), { cwd: repo });
      const { code } = await child.exited;
      return assertAllPassed(code, child.lines.join('\n'));
    }
    const problem = kernelVmProblem();
    if (problem)
      return cannotRun(
        t,
        `this host's cgroup v2 tree has no cpu/memory/pids controllers (v1 holds them), so the v2 tests need a VM, and ${problem}`,
      );
    const started = Date.now();
    const r = await runInKernelVm(t, {
      command: argv,
      cwd: repo,
      timeoutMs: 1_100_000,
      // A few minutes under emulation: show which kernel test is running.
      onLine: (l) => {
        if (/^(not )?ok \d+/.test(l)) process.stderr.write(`[vm +${Math.round((Date.now() - started) / 1000)}s] ${l}\n`);
      },
    });
    assertAllPassed(r.code, r.output);
  },
);
