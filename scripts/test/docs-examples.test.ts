// The docs' examples run as written. In README.md, docs/*.md and packages/*/README.md, a fenced
// block whose info string is one of these is run by this test:
//   ```ts run        a TypeScript file run with node from inside the repository; must exit 0
//   ```ts run serve  a service: started with PORT set to a free port, it must answer /readyz 200,
//                    then drain on SIGTERM and exit 0
//   ```sh run        bash (-euo pipefail) in the repository root, node_modules/.bin on the PATH;
//                    must exit 0
// Blocks without `run` are fragments or transcripts and are not run. A marker that is neither of
// these (`ts runs`, `sh run serve`) fails the test, so a typo cannot switch a block off silently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test, type TestContext } from 'node:test';
import { cleanup, freePort, startChild, waitFor } from '@holdfast/testkit';

const root = join(import.meta.dirname, '..', '..');

interface Block {
  file: string;
  line: number;
  lang: string;
  mode: string;
  code: string;
}

/** Every fenced block with `run` in its info string, and every problem with a marker. */
function runnableBlocks(file: string, text: string): { blocks: Block[]; problems: string[] } {
  const blocks: Block[] = [];
  const problems: string[] = [];
  for (const m of text.matchAll(/^```([a-z]*)([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    const [, lang = '', rest = '', code = ''] = m;
    const info = rest.trim();
    if (!/\brun/.test(info)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const ok = (lang === 'ts' && (info === 'run' || info === 'run serve')) || (lang === 'sh' && info === 'run');
    if (!ok) problems.push(`${file}:${line}: \`\`\`${lang} ${info}: the markers are "ts run", "ts run serve" and "sh run"`);
    else blocks.push({ file, line, lang, mode: info, code });
  }
  return { blocks, problems };
}

const files = globSync(['README.md', 'docs/*.md', 'packages/*/README.md'], { cwd: root }).sort();
const found = files.map((f) => runnableBlocks(f, readFileSync(join(root, f), 'utf8')));
const blocks = found.flatMap((f) => f.blocks);

test('the run markers are well formed, and the docs have runnable examples', () => {
  assert.deepEqual(
    found.flatMap((f) => f.problems),
    [],
  );
  assert.ok(blocks.length >= 3, `expected at least 3 runnable blocks, found ${blocks.length}`);
});

test('the marker reader: runnable blocks, fragments, and a typo', () => {
  const doc = [
    '```ts run',
    'a',
    '```',
    '```ts',
    'b',
    '```',
    '```sh run',
    'c',
    '```',
    '```ts runs',
    'd',
    '```',
    '```ts run serve',
    'e',
    '```',
  ].join('\n');
  const r = runnableBlocks('x.md', doc);
  assert.deepEqual(
    r.blocks.map((b) => [b.line, b.lang, b.mode, b.code]),
    [
      [1, 'ts', 'run', 'a\n'],
      [7, 'sh', 'run', 'c\n'],
      [13, 'ts', 'run serve', 'e\n'],
    ],
  );
  assert.deepEqual(r.problems, ['x.md:10: ```ts runs: the markers are "ts run", "ts run serve" and "sh run"']);
});

function scratch(t: TestContext, b: Block): string {
  // Inside the repository, so `@holdfast/*` imports resolve as they do for a workspace user.
  const dir = join(root, '.tmp', `docs-${process.pid}-${b.file.replace(/[^a-z0-9]+/gi, '-')}-${b.line}`);
  mkdirSync(dir, { recursive: true });
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('docs examples', { concurrency: 2 }, () => {
  for (const b of blocks) {
    it(`${b.file}:${b.line} (${b.lang} ${b.mode})`, { timeout: 120_000 }, async (t) => {
      if (b.lang === 'sh') {
        const r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], {
          cwd: root,
          encoding: 'utf8',
          timeout: 90_000,
          env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
        });
        assert.equal(r.status, 0, `${b.file}:${b.line} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        return;
      }
      const file = join(scratch(t, b), 'example.ts');
      writeFileSync(file, b.code);
      if (b.mode === 'run') {
        const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 90_000 });
        assert.equal(r.status, 0, `${b.file}:${b.line} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        return;
      }
      const port = await freePort();
      const child = startChild(t, process.execPath, [file], { cwd: root, env: { ...process.env, PORT: String(port) } });
      await waitFor(
        `${b.file}:${b.line} ready on PORT ${port}`,
        () =>
          fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          ),
        { timeoutMs: 30_000, intervalMs: 100 },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${child.lines.join('\n')}`, { cause: err });
      });
      child.kill('SIGTERM');
      const exit = await child.exited;
      assert.deepEqual(
        exit,
        { code: 0, signal: null },
        `${b.file}:${b.line} did not drain and exit 0 on SIGTERM:\n${child.lines.join('\n')}`,
      );
    });
  }
});
