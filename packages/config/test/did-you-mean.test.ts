import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean } from '@holdfast/config/did-you-mean';

test('a typo of one edit is matched, a swap of neighbours counts as one edit', () => {
  assert.equal(didYouMean('comand', ['command', 'cwd']), 'command');
  assert.equal(didYouMean('wbe', ['web', 'worker']), 'web');
  assert.equal(didYouMean('wroker', ['web', 'worker']), 'worker');
  assert.equal(didYouMean('alway', ['always', 'on-failure', 'never']), 'always');
});

test('case and separators are ignored, even for short words', () => {
  assert.equal(didYouMean('stop_signal', ['stopSignal', 'stopTimeoutMs']), 'stopSignal');
  assert.equal(didYouMean('Ip', ['ip', 'vip']), 'ip');
});

test('nothing close enough: no guess', () => {
  assert.equal(didYouMean('database', ['web', 'worker']), undefined);
  assert.equal(didYouMean('ab', ['ac', 'b']), undefined, 'two letters are too few to judge a typo');
  assert.equal(didYouMean('cmdx', ['command']), undefined);
  assert.equal(didYouMean('anything', []), undefined);
});

test('at most one edit per three letters', () => {
  assert.equal(didYouMean('progrm', ['programs']), 'programs', '6 letters allow 2 edits');
  assert.equal(didYouMean('prgrm', ['programs']), undefined, '5 letters allow 1 edit');
});
