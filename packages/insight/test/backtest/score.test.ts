// How alerts are scored against labelled incidents: attribution by labels and time (with the
// grace after an incident), precision, recall, false alerts per week, detection delay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Episode } from '../../src/backtest/episodes.ts';
import { scoreEpisodes, type LabelledIncident } from '../../src/backtest/score.ts';

const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;
const ep = (route: string, firedAt: number, resolvedAt?: number): Episode => ({
  alertname: 'A',
  labels: { route, severity: 'warning' },
  activeAt: firedAt - 5 * MIN,
  firedAt: firedAt * MIN,
  resolvedAt: resolvedAt === undefined ? undefined : resolvedAt * MIN,
});
const incident = (id: string, route: string, start: number, end: number, shape = 'drop'): LabelledIncident => ({
  id,
  labels: { route },
  start: start * MIN,
  end: end * MIN,
  shape,
});

test('alerts are true when they fire on the incident’s series between its start and its end plus the grace', () => {
  const incidents = [incident('i1', '/a', 100, 130), incident('i2', '/b', 500, 520, 'surge'), incident('i3', '/a', 900, 920)];
  const episodes = [
    ep('/a', 106, 131), // i1, 6 minutes late
    ep('/a', 150, 160), // after i1 but within the 30-minute grace: still i1
    ep('/b', 106, 110), // the wrong series: false
    ep('/b', 495, 530), // fired 5 minutes before i2 and still firing when it began: i2 at its start
    ep('/a', 2000, 2010), // nothing there: false
    ep('/a', 5, 20), // before scoring starts: ignored
  ];
  const s = scoreEpisodes(episodes, incidents, { from: 60 * MIN, to: WEEK, graceMs: 30 * MIN });
  assert.equal(s.alerts, 5);
  assert.equal(s.trueAlerts, 3);
  assert.equal(s.falseAlerts, 2);
  assert.equal(s.precision, 3 / 5);
  assert.equal(s.incidents, 3);
  assert.equal(s.detected, 2);
  assert.equal(s.recall, 2 / 3);
  assert.deepEqual(s.missed, ['i3']);
  assert.deepEqual(s.delaysMinutes, [6, 0]);
  assert.equal(s.medianDelayMinutes, 3);
  assert.equal(s.falseAlertsPerWeek, 2 / ((WEEK - 60 * MIN) / WEEK));
  assert.deepEqual(s.recallByShape, { drop: { incidents: 2, detected: 1 }, surge: { incidents: 1, detected: 1 } });
});

test('no alerts is perfect precision and zero recall; no incidents is perfect recall', () => {
  const none = scoreEpisodes([], [incident('i1', '/a', 100, 130)], { from: 0, to: WEEK, graceMs: 0 });
  assert.deepEqual([none.precision, none.recall, none.medianDelayMinutes], [1, 0, null]);
  const quiet = scoreEpisodes([ep('/a', 10, 20)], [], { from: 0, to: WEEK, graceMs: 0 });
  assert.deepEqual([quiet.precision, quiet.recall, quiet.falseAlerts], [0, 1, 1]);
});
