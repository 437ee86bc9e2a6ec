// The guard part of `holdfast status`: each cluster rule's mode with the limit it stands for, the
// local fallback's share (even, or by traffic), per-key shares, adaptive limits with their bounds,
// an unreachable instance's error above its last values and their age.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GuardInstanceStatus, GuardRuleStatus } from '@holdfast/supervisor';
import { guardTable } from '../src/commands/guard-table.ts';

const rule = (o: Partial<GuardRuleStatus>): GuardRuleStatus => ({
  rule: 'global',
  resource: 'GET /orders',
  kind: 'flow',
  strategy: 'direct',
  mode: 'cluster',
  limit: 600,
  threshold: 600,
  minLimit: null,
  maxLimit: null,
  ...o,
});
const instance = (o: Partial<GuardInstanceStatus>): GuardInstanceStatus => ({
  id: 'orders:0',
  url: 'http://127.0.0.1:9000/metrics',
  readAt: null,
  ageMs: 100,
  error: null,
  liveReplicas: 3,
  rules: [],
  ...o,
});

test('modes, shares and adaptive limits in words; an error row above the last values, with their age', () => {
  const text = guardTable([
    {
      program: 'orders',
      instances: [
        instance({ rules: [rule({}), rule({ rule: 'per-user', kind: 'hotspot', strategy: null, limit: null, threshold: 30 })] }),
        instance({
          id: 'orders:1',
          rules: [
            rule({ mode: 'fallback', limit: 200 }),
            rule({ rule: 'busy', mode: 'fallback', limit: 412.26 }),
            rule({ rule: 'per-user', kind: 'hotspot', strategy: null, mode: 'fallback', limit: null, threshold: 30 }),
            rule({
              rule: 'db',
              resource: 'GET /db',
              strategy: 'adaptive',
              mode: 'local',
              limit: 37.43,
              threshold: 20,
              minLimit: 4,
              maxLimit: 80,
            }),
          ],
        }),
        instance({
          id: 'orders:2',
          ageMs: 12_000,
          error: 'metrics unreachable: http://127.0.0.1:9002/metrics: ECONNREFUSED',
          rules: [rule({ mode: 'cluster' })],
        }),
      ],
    },
  ]);
  assert.equal(
    text,
    [
      'GUARD     RULE      RESOURCE     MODE            LIMIT',
      'orders:0  global    GET /orders  cluster         600 across 3 live replicas',
      'orders:0  per-user  GET /orders  cluster         30 per key across 3 live replicas',
      'orders:1  global    GET /orders  local fallback  200 = 600 ÷ 3 live replicas',
      'orders:1  busy      GET /orders  local fallback  412.3 of 600 (its share of the traffic, 3 live replicas)',
      'orders:1  per-user  GET /orders  local fallback  each key 10 = 30 ÷ 3 live replicas',
      'orders:1  db        GET /db      adaptive        37.4 in flight (min 4, max 80)',
      'orders:2  metrics unreachable: http://127.0.0.1:9002/metrics: ECONNREFUSED',
      'orders:2  global    GET /orders  cluster         600 across 3 live replicas (read 12s ago)',
    ].join('\n'),
  );
});

test('nothing to show: no table at all', () => {
  assert.equal(guardTable([]), '');
  assert.equal(guardTable([{ program: 'orders', instances: [] }]), '');
});
