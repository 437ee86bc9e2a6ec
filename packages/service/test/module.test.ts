// The module contract: modules install in order, see only the APIs they declared, and take their
// steps at start and stop in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installModules, type AnyModule, type ModuleContext } from '../src/module.ts';

// The context parts these modules never touch; installModules only adds `use`.
const base = {} as Omit<ModuleContext, 'use'>;

test('modules install in order; each sees the APIs it declared; steps run in order', async () => {
  const steps: string[] = [];
  const metrics: AnyModule = {
    name: 'metrics',
    dependencies: [],
    install: () => {
      steps.push('install metrics');
      return {
        api: { registry: undefined, http: undefined },
        beforeListen: () => void steps.push('before metrics'),
        quiesce: () => void steps.push('quiesce metrics'),
      };
    },
  };
  const memory: AnyModule = {
    name: 'memory',
    dependencies: ['metrics'],
    install: (ctx) => {
      steps.push(`install memory (metrics registry: ${String(ctx.use('metrics').registry)})`);
      return { api: {} as never, listening: () => void steps.push('listening memory'), quiesce: () => void steps.push('quiesce memory') };
    },
  };
  const installed = installModules([metrics, memory], base);
  await installed.beforeListen();
  installed.listening();
  installed.quiesce();
  assert.deepEqual(steps, [
    'install metrics',
    'install memory (metrics registry: undefined)',
    'before metrics',
    'listening memory',
    'quiesce metrics',
    'quiesce memory',
  ]);
  assert.deepEqual(Object.keys(installed.apis), ['metrics', 'memory']);
});

test('a module listed before its dependency fails at once, naming both', () => {
  const memory: AnyModule = { name: 'memory', dependencies: ['metrics'], install: () => ({ api: {} as never }) };
  const metrics: AnyModule = { name: 'metrics', dependencies: [], install: () => ({ api: { registry: undefined, http: undefined } }) };
  assert.throws(
    () => installModules([memory, metrics], base),
    /service module 'memory' depends on 'metrics', which is not installed before it/,
  );
});

test('a module using one it did not declare fails at once', () => {
  const metrics: AnyModule = { name: 'metrics', dependencies: [], install: () => ({ api: { registry: undefined, http: undefined } }) };
  const memory: AnyModule = {
    name: 'memory',
    dependencies: [],
    install: (ctx) => {
      ctx.use('metrics');
      return { api: {} as never };
    },
  };
  assert.throws(() => installModules([metrics, memory], base), /service module 'memory' uses 'metrics' without declaring it/);
});

test('a module that throws at beforeListen stops the later ones from running theirs', async () => {
  const ran: string[] = [];
  const tracing: AnyModule = {
    name: 'tracing',
    dependencies: [],
    install: () => ({
      api: undefined,
      beforeListen: () => {
        throw new Error('not in place');
      },
    }),
  };
  const notify: AnyModule = {
    name: 'notify',
    dependencies: [],
    install: () => ({ api: undefined, beforeListen: () => void ran.push('notify') }),
  };
  await assert.rejects(installModules([tracing, notify], base).beforeListen(), /not in place/);
  assert.deepEqual(ran, []);
});
