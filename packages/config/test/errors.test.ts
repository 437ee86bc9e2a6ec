import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, errorClass, hasCode, HoldfastError } from '@holdfast/config/errors';

const table = {
  HOLDFAST_E_WIDGET: { status: 409, message: 'the widget is busy' },
  HOLDFAST_E_GADGET: { status: 503, message: 'the gadget is down' },
} as const;

test('an error class built from a table carries code, status, details, cause and its name', () => {
  const WidgetError = errorClass('WidgetError', table, { prefix: true });
  const cause = new Error('underneath');
  const err = new WidgetError('HOLDFAST_E_WIDGET', "widget 'w1' is being reloaded; retry in a second", { widget: 'w1' }, { cause });
  assert.ok(err instanceof WidgetError && err instanceof HoldfastError && err instanceof Error);
  assert.equal(err.code, 'HOLDFAST_E_WIDGET');
  assert.equal(err.status, 409);
  assert.equal(err.message, "the widget is busy: widget 'w1' is being reloaded; retry in a second");
  assert.deepEqual(err.details, { widget: 'w1' });
  assert.equal(err.cause, cause);
  assert.equal(err.name, 'WidgetError');
  assert.match(err.stack!, /^WidgetError: the widget is busy/, 'the stack names the class');
  assert.equal(WidgetError.table, table);
  assert.equal(new WidgetError('HOLDFAST_E_GADGET').message, 'the gadget is down', 'no detail: the row alone');
});

test('without prefix the message is the detail as written at the throw site', () => {
  const GadgetError = errorClass('GadgetError', table, { prefix: false });
  const err = new GadgetError('HOLDFAST_E_GADGET', 'gadget g2 did not answer within 50 ms');
  assert.equal(err.message, 'gadget g2 did not answer within 50 ms');
  assert.equal(err.status, 503);
  assert.deepEqual(err.details, {});
});

test('a subclass keeps the code, status and its own fields', () => {
  const GadgetError = errorClass('GadgetError', table, { prefix: false });
  class SlowGadget extends GadgetError {
    readonly ms: number;
    constructor(ms: number) {
      super('HOLDFAST_E_GADGET', `slow by ${ms} ms`);
      this.name = 'SlowGadget';
      this.ms = ms;
    }
  }
  const err = new SlowGadget(7);
  assert.ok(err instanceof GadgetError);
  assert.equal(err.status, 503);
  assert.equal(err.name, 'SlowGadget');
  assert.equal(err.ms, 7);
});

test('hasCode recognises any error-like value by its code', () => {
  const WidgetError = errorClass('WidgetError', table, { prefix: true });
  assert.equal(hasCode(new WidgetError('HOLDFAST_E_WIDGET'), 'HOLDFAST_E_WIDGET'), true);
  assert.equal(hasCode(Object.assign(new Error('from an API answer'), { code: 'HOLDFAST_E_WIDGET' }), 'HOLDFAST_E_WIDGET'), true);
  assert.equal(hasCode(new WidgetError('HOLDFAST_E_WIDGET'), 'HOLDFAST_E_GADGET'), false);
  for (const v of [null, undefined, 'HOLDFAST_E_WIDGET', 42]) assert.equal(hasCode(v, 'HOLDFAST_E_WIDGET'), false);
});

test('ConfigError is an error of the shared dialect with every issue in its message and details', () => {
  const issues = [{ file: 'a.yaml', line: 2, column: 3, path: ['x'], message: 'bad', hint: 'fix it' }];
  const err = new ConfigError(issues, 'invalid configuration in a.yaml');
  assert.ok(err instanceof HoldfastError);
  assert.equal(err.code, 'HOLDFAST_E_CONFIG');
  assert.equal(err.status, 400);
  assert.equal(err.name, 'ConfigError');
  assert.equal(err.message, 'invalid configuration in a.yaml:\n  a.yaml:2:3  x: bad (fix it)');
  assert.deepEqual(err.issues, issues);
});
