// The exact-match cache's key is a hash taken in one scan (maskedHash) without building the masked
// text; a message that reaches the full tokenizer is keyed by hashing its joined masked tokens
// (hashText). Both must agree, or a message seen before would miss the cache (harmless) or, worse,
// two different masked texts would be taken for one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Masker } from '../../src/mining/mask.ts';
import { resolveMinerOptions, type MaskFlags } from '../../src/mining/options.ts';
import { hashText, maskedHash, tokenize, type KeyHash } from '../../src/mining/tokenize.ts';
import { SYSTEMS, loadSystem, loghubDir } from '@holdfast/testkit/loghub';
import { syntheticLines } from '@holdfast/testkit/synthetic-logs';

const dir = loghubDir(fileURLToPath(new URL('../../../..', import.meta.url)));
const loghub = SYSTEMS.flatMap((s) => loadSystem(dir, s).contents);
const hand = [
  '',
  '   ',
  'one',
  '  leading and   inner\twhitespace  ',
  'sent 64 KB in 250ms to 10.0.0.1:8080',
  'heap 2.5GiB of 4 GB, 12 MB free',
  'Sun Jul 17 23:21:54 2005 job 42 done',
  'blk_-6952295868487656571 at /var/lib/x "quoted 7" 0x1f',
  'GET https://api.example.com:8443/v1/items/42?x=1 200',
  '123 456 789',
  '-1 +2 3.',
  'trailing space 7 ',
];

function agree(messages: string[], flags: Partial<MaskFlags>): number {
  const o = resolveMinerOptions({ masks: flags });
  const masker = new Masker(o.masks);
  const fast: KeyHash = { h1: 0, h2: 0, len: 0 };
  const slow: KeyHash = { h1: 0, h2: 0, len: 0 };
  let hashed = 0;
  for (const m of messages) {
    if (!maskedHash(m, masker, o.masks, o.maxTokens, fast)) continue;
    hashed++;
    const text = tokenize(m, masker, o.masks, o.maxTokens, false).masked.join(' ');
    hashText(text, slow);
    assert.deepEqual(fast, slow, `${JSON.stringify(m)} → ${JSON.stringify(text)}`);
  }
  return hashed;
}

test('the one-scan hash of a message equals the hash of its masked tokens, on Loghub and hand-made messages', () => {
  const messages = [...loghub, ...hand];
  // Most messages take the fast path (the rest are months, size units or too many tokens).
  assert.ok(agree(messages, {}) > messages.length * 0.8);
});

test('the hashes agree with masks turned off or on (numbers off, paths and quoted on)', () => {
  const messages = [...loghub.slice(0, 4000), ...hand, ...syntheticLines(2000)];
  for (const flags of [{ numbers: false }, { paths: true, quoted: true }, { sizes: false, durations: false }, { dates: false }])
    agree(messages, flags);
});

test('messages that mask to different texts get different keys', () => {
  const o = resolveMinerOptions({});
  const masker = new Masker(o.masks);
  const seen = new Map<string, string>();
  for (const m of loghub) {
    const k: KeyHash = { h1: 0, h2: 0, len: 0 };
    const text = tokenize(m, masker, o.masks, o.maxTokens, false).masked.join(' ');
    hashText(text, k);
    const key = `${k.h1}/${k.h2}/${k.len}`;
    const before = seen.get(key);
    assert.ok(before === undefined || before === text, `${before} and ${text} share a key`);
    seen.set(key, text);
  }
});
