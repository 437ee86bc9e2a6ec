import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createService, ServiceOptionsError, type ServiceOptions } from '../src/index.ts';
import { resolveOptions } from '../src/options.ts';

const bad: [string, unknown, RegExp][] = [
  ['negative port', { port: -1 }, /^ {2}port: /m],
  ['port as string', { port: '80' }, /^ {2}port: .*expected number/m],
  ['unknown option', { prot: 3000 }, /^ {2}prot: unknown option/m],
  ['unknown nested option', { logger: { lvl: 'info' } }, /^ {2}logger\.lvl: unknown option/m],
  ['bad log level', { logger: { level: 'loud' } }, /^ {2}logger\.level: /m],
  ['grace too small', { terminationGracePeriodMs: 10 }, /^ {2}terminationGracePeriodMs: /m],
  [
    'delay swallowing the grace period',
    { terminationGracePeriodMs: 5000, shutdownDelayMs: 4500 },
    /shutdownDelayMs: 4500 ms leaves no time/,
  ],
  ['probe path without slash', { probes: { livez: 'livez' } }, /^ {2}probes\.livez: /m],
  ['admin without port', { admin: {} }, /^ {2}admin/m],
  ['fastify option holdfast owns', { fastify: { logger: true } }, /fastify\.logger: holdfast manages this Fastify option/],
  ['watchdog zero sample', { watchdog: { sampleMs: 0 } }, /watchdog\.sampleMs/],
  ['readiness drain needing no answer', { readinessDrain: { answers: 0 } }, /^ {2}readinessDrain\.answers: /m],
  ['negative reaction time', { readinessDrain: { reactionMs: -1 } }, /^ {2}readinessDrain\.reactionMs: /m],
  ['unknown readiness drain field', { readinessDrain: { reaction: 100 } }, /readinessDrain/],
];

for (const [name, options, pattern] of bad) {
  test(`invalid options are rejected with the option named: ${name}`, () => {
    assert.throws(
      () => createService(options as ServiceOptions),
      (err: unknown) => err instanceof ServiceOptionsError && err.code === 'HOLDFAST_E_OPTIONS' && pattern.test(err.message),
    );
  });
}

test('PORT from the environment is validated too', () => {
  assert.throws(() => resolveOptions({}, { PORT: 'eighty' }), /PORT environment variable is 'eighty'/);
  assert.equal(resolveOptions({}, { PORT: '8080' }).port, 8080);
});

test('the shutdown delay defaults to 5 s under Kubernetes; elsewhere there is none and the drain follows readiness pollers', () => {
  assert.equal(resolveOptions({}, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }).shutdownDelayMs, 5000);
  assert.equal(resolveOptions({}, {}).shutdownDelayMs, undefined);
  assert.deepEqual(resolveOptions({}, {}).readinessDrain, { answers: 1, reactionMs: 1000 });
  assert.deepEqual(resolveOptions({ readinessDrain: { answers: 3 } }, {}).readinessDrain, { answers: 3, reactionMs: 1000 });
  assert.equal(resolveOptions({ shutdownDelayMs: 1200 }, { KUBERNETES_SERVICE_HOST: 'x' }).shutdownDelayMs, 1200);
});

test('health.register and onShutdown validate their arguments', () => {
  const s = createService({ port: 0, handleSignals: false, handleProcessErrors: false, logger: { level: 'silent' } });
  assert.throws(() => s.health.register('', () => {}), /non-empty string/);
  assert.throws(() => s.health.register('x', () => {}, { kind: 'fatal' as 'critical' }), /kind must be 'critical' or 'degraded'/);
  assert.throws(() => s.health.register('y', () => {}, { intervalMs: -5 }), /intervalMs must be a positive/);
  s.health.register('z', () => {});
  assert.throws(() => s.health.register('z', () => {}), /already registered/);
  assert.throws(() => s.onShutdown('h', () => {}, { timeoutMs: 0 }), /timeoutMs must be a positive/);
});

test('the shutdown budget comes from the environment (gen k8s, the supervisor), which also caps a longer option', () => {
  const o = resolveOptions({}, { HOLDFAST_TERMINATION_GRACE_MS: '25000', HOLDFAST_SHUTDOWN_DELAY_MS: '0', KUBERNETES_SERVICE_HOST: 'x' });
  assert.equal(o.terminationGracePeriodMs, 25_000);
  assert.equal(o.shutdownDelayMs, 0);
  assert.equal(
    resolveOptions({ terminationGracePeriodMs: 9000 }, { HOLDFAST_TERMINATION_GRACE_MS: '25000' }).terminationGracePeriodMs,
    9000,
    "a shorter drain than allowed is the application's choice",
  );
  const warnings: string[] = [];
  const capped = resolveOptions({ terminationGracePeriodMs: 30_000 }, { HOLDFAST_TERMINATION_GRACE_MS: '10000' }, (m) => warnings.push(m));
  assert.equal(capped.terminationGracePeriodMs, 10_000, 'the supervisor kills after 10 s: drain within 10 s');
  assert.match(
    warnings.join('\n'),
    /terminationGracePeriodMs is 30000 ms, but HOLDFAST_TERMINATION_GRACE_MS says this process is killed 10000 ms after SIGTERM/,
  );
  assert.equal(
    resolveOptions({}, { HOLDFAST_TERMINATION_GRACE_MS: '500' }).terminationGracePeriodMs,
    500,
    'a short stop timeout is honoured, not refused',
  );
  assert.throws(
    () => resolveOptions({}, { HOLDFAST_SHUTDOWN_DELAY_MS: 'soon' }),
    /HOLDFAST_SHUTDOWN_DELAY_MS environment variable is 'soon'/,
  );
  assert.throws(
    () => resolveOptions({}, { HOLDFAST_TERMINATION_GRACE_MS: '0' }),
    /HOLDFAST_TERMINATION_GRACE_MS environment variable is '0', not a number of milliseconds \(at least 1\)/,
  );
  assert.throws(() => createService(42 as unknown as ServiceOptions), /expects an options object/);
});

test('a delay the environment leaves no room for is trimmed with a warning, not a crash at start', () => {
  const warnings: string[] = [];
  const o = resolveOptions({ shutdownDelayMs: 8000 }, { HOLDFAST_TERMINATION_GRACE_MS: '6000' }, (m) => warnings.push(m));
  assert.equal(o.terminationGracePeriodMs, 6000);
  assert.equal(o.shutdownDelayMs, 2850, 'half of what the grace period leaves after the exit margin');
  assert.match(
    warnings.join('\n'),
    /shutdownDelayMs: 8000 ms leaves no time to drain within terminationGracePeriodMs \(6000 ms\).*using 2850 ms/,
  );
  assert.equal(
    resolveOptions({ terminationGracePeriodMs: 3000 }, { KUBERNETES_SERVICE_HOST: 'x' }).shutdownDelayMs,
    1425,
    "Kubernetes' default delay, trimmed to the application's short grace period",
  );
});
