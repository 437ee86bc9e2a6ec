// The dashboard over the daemon's log miner, through the page's own HTTP endpoints (signed in as a
// browser is): the log patterns section lists each program's top templates, bounded, and pushes a
// new error template and its burst to the open page, marked new and bursting, first in its list;
// the live log tail gives each line the template the miner put it in, looked up without counting
// the line a second time. The page in Chromium: examples/shop/test/dashboard.serial.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '@holdfast/testkit';
import type { PatternsView } from '../src/dashboard/live.ts';
import type { TailLine } from '../src/dashboard/log-tail.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

/**
 * Fourteen templates that share no first word (the miner keeps them apart): more than the page
 * lists. Four lines a second each: under the test's burst count (50 in a 5 s window), so none bursts.
 */
const MANY = `const w = 'apple banana cherry damson elder fig grape hazel iris juniper kiwi lime mango nectarine'.split(' ');
let n = 0; setInterval(() => { for (const x of w) console.log(x + ' ripened in crate ' + n++); }, 250);`;

/** Server-sent events as they arrive: every message kept, in order, with its type. */
function follow(url: string, cookie: string, signal: AbortSignal) {
  const seen: { type: string; data: unknown; at: number }[] = [];
  const done = (async () => {
    const res = await fetch(url, { headers: { cookie }, signal });
    assert.equal(res.status, 200);
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += Buffer.from(chunk).toString('utf8');
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) seen.push({ type, data: JSON.parse(data), at: Date.now() });
      }
    }
  })().catch((err: Error) => {
    // Ends when the test aborts it, or when the daemon shuts down at the test's end ('terminated').
    if (err.name !== 'AbortError' && err.message !== 'terminated') throw err;
  });
  return { seen, done };
}

test(
  'log patterns on the dashboard: top templates per program, a new error template and its burst pushed and ' +
    'marked, each tail line with its template',
  async (t) => {
    const dash = await freePort();
    const { config } = await writeConfig(
      t,
      `programs:
  app:
    command: [${node}, ${join(fixtures, 'patterns.mjs')}]
    ready: {afterMs: 0}
  many:
    command: [${node}, -e, ${JSON.stringify(MANY)}]
    ready: {afterMs: 0}
mining:
  defaults:
    detector: {warmupMs: 0, bucketMs: 1000, windowBuckets: 5, burstMinCount: 50}
dashboard: {port: ${dash}}
`,
    );
    const { client } = await startDaemon(t, config);
    const base = `http://127.0.0.1:${dash}`;
    const login = await fetch((await client.dashboardLogin()).url, { redirect: 'manual' });
    assert.equal(login.status, 303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const ac = new AbortController();
    t.after(() => ac.abort());
    const stream = follow(`${base}/api/stream`, cookie, ac.signal);
    const latest = () => {
      const all = stream.seen.filter((m) => m.type === 'snapshot' || m.type === 'patterns');
      return all.at(-1)?.data as (PatternsView & { patterns?: PatternsView }) | undefined;
    };
    const view = (): PatternsView | undefined => {
      const l = latest();
      return l?.patterns ?? l;
    };

    // Both programs listed, the one with fourteen templates cut at the page's top.
    const listed = await waitFor('both programs in the patterns section', () => {
      const v = view();
      const many = v?.programs.find((p) => p.program === 'many');
      return v?.available && many && many.total >= 14 && v.programs.some((p) => p.program === 'app' && p.templates.length >= 3)
        ? v
        : undefined;
    });
    const many = listed.programs.find((p) => p.program === 'many')!;
    assert.equal(listed.top, 10);
    assert.equal(many.templates.length, 10, `at most top templates: ${many.templates.map((x) => x.text).join(' | ')}`);
    assert.ok(
      many.templates.every((x) => x.perMinute !== null && x.perMinute > 0 && !x.isNew && !x.bursting),
      JSON.stringify(many),
    );

    // A new error template, then a burst of it: pushed to the page, marked, and first in its program's list.
    const signalled = Date.now();
    await client.signal('app', 'SIGUSR1');
    const marked = await waitFor('Connection refused pushed as new and bursting', () => {
      const app = view()?.programs.find((p) => p.program === 'app');
      const first = app?.templates[0];
      return first && /Connection refused/.test(first.text) && first.isNew && first.bursting ? first : undefined;
    });
    assert.equal(marked.text, 'ERROR Connection refused to <*>:<*> after <*> ms');
    assert.equal(marked.level, 'error');
    assert.ok(marked.perMinute! > 0);
    const pushedAt = stream.seen.find(
      (m) => m.type === 'patterns' && (m.data as PatternsView).programs.some((p) => p.templates.some((x) => x.bursting)),
    )!.at;
    assert.ok(pushedAt - signalled < 5000, `pushed ${pushedAt - signalled} ms after the burst was written`);
    const mined = await waitFor('the burst mined whole (its last line once output pauses)', async () => {
      const r = (await client.patterns('app')).templates.find((x) => x.id === marked.id);
      return r && r.count === 200 ? r : undefined;
    });
    assert.equal(mined.count, 200);

    // The tail: the last lines, each with its template; the burst's lines with the burst's template.
    const tail = (await (await fetch(`${base}/api/logs?instance=app&lines=400`, { headers: { cookie } })).json()) as { lines: TailLine[] };
    const refused = tail.lines.filter((l) => /Connection refused/.test(l.text));
    assert.equal(refused.length, 200);
    assert.ok(refused.every((l) => l.stream === 'stderr' && l.templateId === marked.id && l.template === marked.text));
    const user = tail.lines.find((l) => /^user \d+ logged in/.test(l.text))!;
    assert.equal(user.template, 'user <*> logged in from <*>');
    // The live tail: a second burst, every line of it with its template as it arrives.
    const live = follow(`${base}/api/logs/stream?instance=app`, cookie, ac.signal);
    await waitFor('the tail stream open', async () => {
      // Lines of the running program arrive every 20 ms once the stream is open.
      return live.seen.some((m) => m.type === 'lines');
    });
    await client.signal('app', 'SIGUSR1');
    const second = await waitFor('the second burst on the live tail', () => {
      const lines = live.seen
        .flatMap((m) => (m.type === 'lines' ? (m.data as TailLine[]) : []))
        .filter((l) => /Connection refused/.test(l.text));
      return lines.length === 200 ? lines : undefined;
    });
    // The last line of the burst waits in the stack-trace folder for the next one; the template is there already.
    assert.ok(
      second.every((l) => l.templateId === marked.id),
      JSON.stringify(second.filter((l) => l.templateId !== marked.id).slice(0, 3)),
    );
    // Looked up, not mined again: the miner counts each line once.
    const counted = await waitFor('the second burst mined', async () => {
      const r = (await client.patterns('app')).templates.find((x) => x.id === marked.id);
      return r && r.count >= 400 ? r : undefined;
    });
    assert.equal(counted.count, 400, 'the tail lookups counted nothing');
  },
);
