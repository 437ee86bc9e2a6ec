// The service's heap advice against a real cgroup v2 kernel: a Node process in a cgroup with
// memory.max reads that limit (walking up from its own cgroup, as the runtime does at start),
// agrees with libuv's process.constrainedMemory(), and is told its default heap does not fit
// while the advised NODE_OPTIONS does. Run inside the VM by
// packages/supervisor/test/cgroup-v2-kernel.serial.test.ts; anywhere without a v2 memory
// controller it fails at once.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanup, startChild } from '@holdfast/testkit';

const MiB = 2 ** 20;
const ROOT = '/sys/fs/cgroup';
const heapFitModule = fileURLToPath(new URL('../../src/memory/heap-fit.ts', import.meta.url));
const ownCgroup = () => /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '';

before(() => {
  const controllers = readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8');
  assert.ok(
    controllers.split(/\s+/).includes('memory'),
    `${ROOT} is not a cgroup v2 tree with the memory controller (controllers: ${controllers.trim() || 'none'})`,
  );
  assert.notEqual(ownCgroup(), '/', 'run in a delegated cgroup, not the root');
});

/** A child cgroup with memory.max = bytes, one level below a leaf holding this test's processes. */
function memoryCgroup(t: Parameters<typeof cleanup>[0], bytes: number): string {
  const own = join(ROOT, ownCgroup());
  // "No internal processes": the processes here move to a leaf before memory is delegated below.
  const leaf = join(own, 'tests');
  mkdirSync(leaf, { recursive: true });
  for (const pid of readFileSync(join(own, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    try {
      writeFileSync(join(leaf, 'cgroup.procs'), pid);
    } catch {}
  }
  // Every controller, not only memory: what runs after this file in the same cgroup (the
  // supervisor's kernel tests) needs cpu and pids delegated too.
  for (const c of readFileSync(join(own, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean))
    writeFileSync(join(own, 'cgroup.subtree_control'), `+${c}`);
  const dir = join(own, `heap-fit-${process.pid}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.max'), String(bytes));
  cleanup(t, () => rmdirSync(dir));
  return dir;
}

const probe = `
import { heapFit, memoryLimit } from ${JSON.stringify(heapFitModule)};
const limit = memoryLimit();
console.log('RESULT ' + JSON.stringify({ limit, constrained: process.constrainedMemory(), fit: heapFit(limit) }));
`;

for (const [what, nodeOptions, fits] of [
  ["Node's default heap: does not fit, and the advice is the supervisor's rule", '', false],
  ['with the advised --max-old-space-size=128: fits', '--max-old-space-size=128', true],
] as const) {
  test(`a Node process in a real 256 MiB v2 cgroup reads memory.max; ${what}`, async (t) => {
    const dir = memoryCgroup(t, 256 * MiB);
    // The shell joins the cgroup, then becomes Node: the limit is that of its own cgroup.
    const child = startChild(t, 'sh', [
      '-c',
      `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$0" ${nodeOptions} --input-type=module -e "$1"`,
      process.execPath,
      probe,
    ]);
    const line = await child.waitForLine(/^RESULT /, 120_000);
    await child.exited;
    const r = JSON.parse(line.slice('RESULT '.length)) as {
      limit: { bytes: number; source: string };
      constrained: number;
      fit: { fits: boolean; suggestedNodeOptions: string; heapLimitBytes: number };
    };
    assert.deepEqual(r.limit, { bytes: 256 * MiB, source: join(dir, 'memory.max') });
    assert.equal(r.constrained, 256 * MiB, "libuv's view of the cgroup agrees");
    assert.equal(r.fit.suggestedNodeOptions, '--max-old-space-size=128');
    assert.equal(r.fit.fits, fits, `heap limit ${Math.round(r.fit.heapLimitBytes / MiB)} MiB in a 256 MiB cgroup`);
  });
}
