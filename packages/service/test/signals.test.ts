// What each signal does to a running service (docs/service.md, "Signals"): SIGHUP reopens the
// log file and runs the reload hooks and never stops the service; SIGTERM then still drains.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@holdfast/testkit';
import { get, startFixture } from './helpers.ts';

test(
  'SIGHUP reopens the log file after rotation and runs the reload hooks; a failing hook is logged; the service ' +
    'keeps serving, then drains on SIGTERM',
  async (t) => {
    const dir = tempDir(t);
    const log = join(dir, 'service.log');
    const { child, url } = await startFixture(t, { LOG_FILE: log, RELOAD_HOOKS: 'rules,broken' });
    assert.equal((await get(url + '/hello')).status, 200);
    // logrotate's default: move the file away, then tell the process.
    renameSync(log, join(dir, 'service.log.1'));
    child.kill('SIGHUP');
    await child.waitForLine('"reloadRan":"rules"');
    await waitFor('the new log file', () => existsSync(log) && readFileSync(log, 'utf8').includes('SIGHUP: reopened the log file'));
    const reopened = JSON.parse(
      readFileSync(log, 'utf8')
        .split('\n')
        .find((l) => l.includes('SIGHUP: reopened'))!,
    ) as { logReopened: boolean; hooks: { name: string; status: string }[] };
    assert.equal(reopened.logReopened, true);
    assert.deepEqual(
      reopened.hooks.map((h) => [h.name, h.status]),
      [
        ['rules', 'ok'],
        ['broken', 'error'],
      ],
      'in registration order; the failure reported',
    );
    assert.match(readFileSync(log, 'utf8'), /reload hook 'broken' error/);
    // Still serving, and request lines go to the new file.
    assert.equal((await get(url + '/items/7')).status, 200);
    await waitFor('request line in the new file', () => readFileSync(log, 'utf8').includes('"url":"/items/7"'));
    assert.doesNotMatch(readFileSync(join(dir, 'service.log.1'), 'utf8'), /\/items\/7/);
    // A second SIGHUP works the same (the handler stays).
    child.kill('SIGHUP');
    await waitFor('second reload', () => readFileSync(log, 'utf8').split('SIGHUP: reopened').length === 3);
    child.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, 'drained and exited normally');
    assert.match(readFileSync(log, 'utf8'), /shutdown complete/);
  },
);
