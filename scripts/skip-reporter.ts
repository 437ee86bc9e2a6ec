// A node:test reporter that records every skipped test (file, name, reason) as one JSON array,
// for scripts/test.ts to count: a run that skipped tests must say so, and fail in CI.
import type { TestEvent } from 'node:test/reporters';

export default async function* skipReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const skipped: { file: string | undefined; name: string; reason: string }[] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, file } = event.data as { skip?: string | boolean; name: string; file?: string };
    if (skip === undefined || skip === false) continue;
    skipped.push({ file, name, reason: typeof skip === 'string' ? skip : '' });
  }
  yield JSON.stringify(skipped);
}
