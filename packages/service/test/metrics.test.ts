import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanup } from '@holdfast/testkit';
import { createService } from '../src/index.ts';
import { get } from './helpers.ts';

test('metric labels are route templates: ids and 404 floods do not create series', async (t) => {
  const service = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { level: 'silent' },
  });
  service.app.get('/items/:id', async () => ({ ok: true }));
  service.app.get('/boom', async () => {
    throw new Error('x');
  });
  cleanup(t, () => service.stop());
  await service.start();
  for (let i = 0; i < 30; i++) await get(`${service.url}/items/${i}`);
  for (let i = 0; i < 30; i++) await get(`${service.url}/random/${i}/path`);
  await get(`${service.url}/boom`);
  const text = (await get(service.url + '/metrics')).body!;
  const series = text.split('\n').filter((l) => l.startsWith('holdfast_http_requests_total{'));
  assert.ok(
    series.some((l) => l.includes('route="/items/:id"') && l.includes('status="200"') && l.endsWith(' 30')),
    series.join('\n'),
  );
  assert.ok(series.some((l) => l.includes('route="__unmatched__"') && l.includes('status="404"') && l.endsWith(' 30')));
  assert.ok(series.some((l) => l.includes('route="/boom"') && l.includes('status="500"')));
  assert.ok(!/route="\/(items|random)\/\d/.test(text), 'no raw URL ever becomes a label');
  for (const name of [
    'holdfast_http_request_duration_seconds_bucket',
    'holdfast_http_requests_in_flight',
    'holdfast_lifecycle_state{state="READY"',
    'holdfast_event_loop_delay_seconds_bucket',
    'process_cpu_user_seconds_total',
    'nodejs_heap_size_used_bytes',
  ]) {
    assert.ok(text.includes(name), `exposes ${name}`);
  }
  assert.match(text, /holdfast_lifecycle_state\{state="READY",service="service"\} 1/);
  assert.match(text, /holdfast_lifecycle_state\{state="DRAINING",service="service"\} 0/);
});
