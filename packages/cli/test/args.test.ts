// The one argument parser: what every command accepts and how it refuses a bad command line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, integer, noArguments, oneOf, parse } from '../src/args.ts';
import { UsageError } from '../src/errors.ts';
import { holdfast } from './support/daemon.ts';

const isUsage = (message: RegExp) => (err: unknown) =>
  err instanceof UsageError && err.code === 'HOLDFAST_E_USAGE' && message.test(err.message);
const usage = (fn: () => unknown, message: RegExp) => assert.throws(fn, isUsage(message), `${message}`);

const options = { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, timeout: { type: 'string' } } as const;

test('parse reads long, short and inline options and the arguments', () => {
  const { values, positionals } = parse(['web', '-c', 'h.yaml', '--json', '--timeout=5s', 'worker'], options, { positionals: true });
  assert.deepEqual({ ...values }, { config: 'h.yaml', json: true, timeout: '5s' });
  assert.deepEqual(positionals, ['web', 'worker']);
});

test('parse refuses what a command does not take, naming the flag', () => {
  usage(() => parse(['--jsn'], options), /^unknown option '--jsn' \(did you mean '--json'\?\)$/);
  usage(() => parse(['--colour', 'blue'], options), /^unknown option '--colour'$/);
  usage(() => parse(['-x'], options), /^unknown option '-x'$/);
  usage(() => parse(['--config'], options), /^option '-c, --config <value>' needs a value$/);
  usage(() => parse(['--json=yes'], options), /^option '--json' does not take an argument$/);
  usage(() => parse(['web'], options), /^unexpected argument 'web'$/);
  usage(() => noArguments(['web'], 'the config goes after -c'), /^unexpected argument 'web' \(the config goes after -c\)$/);
  noArguments([]);
});

test('integer flags stay within their range', () => {
  assert.equal(integer('port', undefined, 3000, 1, 65535), 3000);
  assert.equal(integer('port', '8080', 3000, 1, 65535), 8080);
  for (const bad of ['0', '70000', 'http', '1.5', '']) {
    usage(() => integer('port', bad, 3000, 1, 65535), /^--port must be an integer from 1 to 65535/);
  }
});

test('a duration on the command line carries its unit; a bare number is refused', () => {
  assert.equal(duration('timeout', undefined, 60_000), 60_000);
  assert.equal(duration('timeout', '500ms', 0), 500);
  assert.equal(duration('timeout', '30s', 0), 30_000);
  assert.equal(duration('timeout', '2m', 0), 120_000);
  assert.equal(duration('timeout', '1.5h', 0), 5_400_000);
  assert.equal(duration('wait', '0', 30_000), 0, 'zero needs no unit');
  usage(() => duration('timeout', '30', 0), /^--timeout 30 has no unit: write 30s, 30ms or 30m/);
  usage(() => duration('timeout', 'soon', 0), /^--timeout takes a duration like 500ms, 30s or 2m, not 'soon'$/);
  usage(() => duration('wait', '2h', 0, 3_600_000), /^--wait must be at most 3600 s/);
});

test('a choice flag lists the choices and guesses a typo', () => {
  assert.equal(oneOf('fault', undefined, ['kill', 'pause'], 'kill'), 'kill');
  assert.equal(oneOf('fault', 'pause', ['kill', 'pause'], 'kill'), 'pause');
  usage(() => oneOf('fault', 'kil', ['kill', 'pause'], 'kill'), /^--fault is one of kill, pause, not 'kil' \(did you mean 'kill'\?\)$/);
});

// Each command parses before it connects to anything: a bad command line exits 2 with the usage.
const badCommandLines: [string[], RegExp][] = [
  [['start', 'web', '--timeout', '30'], /--timeout 30 has no unit: write 30s/],
  [['restart', 'web', '--timeout', '1w'], /--timeout takes a duration/],
  [['reload', 'web', '--timeout', '90'], /--timeout 90 has no unit/],
  [['failover', 'switchover', '--to', 'b', '--wait', '10', '--socket', '/nonexistent'], /--wait 10 has no unit: write 10s/],
  [['logs', 'web', '--lines', 'many'], /--lines must be an integer from 0/],
  [
    ['drill', 'failover', '--fault', 'kil'],
    /--fault is one of kill, pause, partition, isolate, revoke, all, not 'kil' \(did you mean 'kill'/,
  ],
  [['drill', 'failover', '--runs', '0'], /--runs must be an integer from 1 to 1000/],
  [['convert'], /which supervisord\.conf\?/],
  [['convert', 'a.conf', 'b.conf'], /one config file at a time/],
  [['supervise', 'holdfast.yaml'], /unexpected argument 'holdfast\.yaml' \(the config goes after -c\)/],
  [['status', '--jsn'], /unknown option '--jsn' \(did you mean '--json'\?\)/],
  [['update', 'web'], /unexpected argument 'web'/],
  [['shutdown', 'now'], /unexpected argument 'now'/],
  [['gen', 'systemd', '-c', 'x.yaml', '--cgroup', 'v3'], /--cgroup is one of v1, v2, not 'v3'/],
];
for (const [args, message] of badCommandLines) {
  test(`holdfast ${args.join(' ')}: usage error, exit 2`, async () => {
    const r = await holdfast(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, new RegExp(`Usage: holdfast ${args[0]}`));
    assert.equal(r.stdout, '');
  });
}

test('a mistyped command is answered with the nearest one', async () => {
  const r = await holdfast(['stauts']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'stauts'\. Did you mean: holdfast status\?/);
});
