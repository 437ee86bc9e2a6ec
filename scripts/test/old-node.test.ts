// On a Node too old to strip types (this machine's /usr/bin/node is Node 20), `holdfast`,
// `npm test` and `npm start` print one line naming the version needed and how to get it,
// instead of a stack trace about the .ts extension.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const OLD_NODE = '/usr/bin/node';

test('an old Node gets one line naming the version needed and how to get it', () => {
  const v = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0, `${OLD_NODE} is the old Node this test runs (Debian's); it is missing here`);
  const [major, minor] = v.stdout.trim().slice(1).split('.').map(Number) as [number, number];
  assert.ok(major < 22 || (major === 22 && minor < 18), `${OLD_NODE} is ${v.stdout.trim()}: not old enough to show the check`);
  const cases: [string, string[], string][] = [
    ['holdfast', [join(root, 'packages/cli/bin/holdfast.js'), 'status'], 'holdfast'],
    ['npm test', [join(root, 'scripts/require-node.js'), 'scripts/test.ts'], 'npm test'],
    ['npm start', [join(root, 'scripts/require-node.js'), 'examples/shop/start.ts'], 'npm start'],
  ];
  for (const [what, args, name] of cases) {
    const env = { ...process.env, ...(name.startsWith('npm') ? { npm_lifecycle_event: name.slice(4) } : {}) };
    if (!name.startsWith('npm')) delete env.npm_lifecycle_event;
    const r = spawnSync(OLD_NODE, args, { cwd: root, encoding: 'utf8', env });
    assert.equal(r.status, 1, what);
    assert.equal(r.stdout, '', what);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
    assert.match(
      lines[0]!,
      new RegExp(
        `^${name} needs Node\\.js 22\\.18 or newer .*this is ` +
          `Node ${v.stdout.trim().slice(1).replace(/\./g, '\\.')} ` +
          `\\(${OLD_NODE}\\)\\. Get Node 24: npm install -g --prefix /usr/local node@24`,
      ),
    );
  }
  // The same entry points run on this Node.
  const ok = spawnSync(process.execPath, [join(root, 'packages/cli/bin/holdfast.js'), '--version'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^\d+\.\d+\.\d+\n$/);
});
