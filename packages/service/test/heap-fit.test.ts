// The heap against the memory limit: the limit read from cgroup v1 and v2 trees, the advice,
// and a service started inside a real memory cgroup warning (or not) as it should.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { cannotRun, cleanup, startChild, tempDir } from '@holdfast/testkit';
import { heapFit, memoryLimit } from '../src/memory/heap-fit.ts';

const MiB = 2 ** 20;

function tree(t: TestContext, files: Record<string, string>): string {
  const root = tempDir(t);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

test('cgroup v2: the smallest memory.max from the process cgroup up to the root', (t) => {
  const root = tree(t, {
    'self-cgroup': '0::/app/web\n',
    'fs/app/memory.max': '536870912\n',
    'fs/app/web/memory.max': 'max\n',
    'fs/memory.max': 'max\n',
  });
  assert.deepEqual(memoryLimit(join(root, 'self-cgroup'), join(root, 'fs'), undefined), {
    bytes: 512 * MiB,
    source: join(root, 'fs/app/memory.max'),
  });
});

test("cgroup v1: the memory controller's limit_in_bytes, ignoring v1's 'no limit' number", (t) => {
  const root = tree(t, {
    'self-cgroup': '9:pids:/\n4:memory:/a/b\n0::/\n',
    'fs/memory/a/b/memory.limit_in_bytes': '9223372036854771712\n',
    'fs/memory/a/memory.limit_in_bytes': String(256 * MiB),
    'fs/memory/memory.limit_in_bytes': '9223372036854771712\n',
  });
  assert.deepEqual(memoryLimit(join(root, 'self-cgroup'), join(root, 'fs'), undefined), {
    bytes: 256 * MiB,
    source: join(root, 'fs/memory/a/memory.limit_in_bytes'),
  });
});

test('no limit anywhere: undefined, and the heap fits by definition', (t) => {
  const root = tree(t, { 'self-cgroup': '4:memory:/\n0::/\n', 'fs/memory/memory.limit_in_bytes': '9223372036854771712' });
  assert.equal(memoryLimit(join(root, 'self-cgroup'), join(root, 'fs'), undefined), undefined);
  assert.equal(heapFit(undefined, 4 * 1024 * MiB).fits, true);
});

test("the advice is the supervisor's rule: the old space gets 75 % of the limit minus 64 MiB", () => {
  const fit = heapFit({ bytes: 256 * MiB, source: 'x' }, 4288 * MiB);
  assert.equal(fit.fits, false);
  assert.equal(fit.suggestedNodeOptions, '--max-old-space-size=128');
  assert.equal(heapFit({ bytes: 256 * MiB, source: 'x' }, 131 * MiB).fits, true, 'what V8 reports with that flag inside a 256 MiB cgroup');
});

const fixture = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

/** A memory cgroup (v1, the kind this machine has) of `bytes`, below this process's own. */
function memoryCgroup(t: TestContext, bytes: number): string | undefined {
  const own = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  const base = own === undefined ? undefined : join('/sys/fs/cgroup/memory', own);
  if (!base || !existsSync(join(base, 'cgroup.procs'))) return undefined;
  const dir = join(base, `holdfast-heapfit-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(bytes));
  } catch {
    return undefined;
  }
  // After the children (registered later, so undone first) have been killed.
  cleanup(t, () => rmdirSync(dir));
  return dir;
}

for (const [what, nodeOptions, expect] of [
  [
    "with Node's default heap (sized past the limit), the service warns and says which NODE_OPTIONS fit",
    '',
    /"level":40.*the V8 heap may grow to \d+ MiB, but this process may use 256 MiB.*NODE_OPTIONS='--max-old-space-size=128'/,
  ],
  [
    'with the advised flag, it reports the fit and does not warn',
    '--max-old-space-size=128',
    /"level":30.*memory limit 256 MiB; the V8 heap may grow to \d+ MiB \(within 75 %\)/,
  ],
] as const) {
  test(`a service in a real 256 MiB memory cgroup: ${what}`, async (t) => {
    const dir = memoryCgroup(t, 256 * MiB);
    if (!dir)
      return cannotRun(
        t,
        'no writable cgroup v1 memory controller below this process (run as root on a machine with cgroup v1 memory, as CI does)',
      );
    // The shell joins the cgroup, then becomes the service: the service reads the limit of its own cgroup.
    const child = startChild(
      t,
      'sh',
      ['-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$0" ${nodeOptions} "$1"`, process.execPath, fixture],
      { env: { ...process.env } },
    );
    await child.waitForLine('fixtureReady', 20_000);
    const line = await child.waitForLine(/memory limit 256 MiB|this process may use 256 MiB/, 5000);
    assert.match(line, expect);
    child.kill('SIGTERM');
    await child.exited;
  });
}
