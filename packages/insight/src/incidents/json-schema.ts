// The `incidents:` section as JSON Schema, for editors (yaml-language-server): the shape only;
// validateIncidentsConfig stays the judge (cross-field rules, durations, receivers that exist).
import { GROUP_FIELDS, RECEIVER_TYPES } from './config.ts';
import { SEVERITIES } from './signal.ts';

const duration = {
  description: 'milliseconds, or "500ms", "30s", "5m", "4h", "7d"',
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' },
  ],
};
const strings = (description: string) => ({ description, anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] });
const labels = { type: 'object', additionalProperties: { type: 'string' } };
const severity = { enum: [...SEVERITIES] };

export const incidentsJsonSchema = {
  type: 'object',
  description: 'The incident loop (docs/incidents.md): signals → incidents → notifications',
  additionalProperties: false,
  properties: {
    knowledge: { type: 'string', description: 'knowledge.yaml, relative to this file' },
    owner: { type: 'string', description: "owner of holdfast's built-in rules (default platform)" },
    quietPeriod: { ...duration, description: 'an incident resolves itself after this long without a signal (default 10m)' },
    crashLoop: {
      type: 'object',
      additionalProperties: false,
      properties: { restarts: { type: 'integer', minimum: 2, maximum: 100 }, window: duration },
    },
    logSignals: { type: 'boolean', description: "programs' error lines and guard events become signals (default true)" },
    store: { type: 'string', description: 'SQLite file (default <stateDir>/incidents.sqlite)' },
    receivers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string' },
          type: { enum: [...RECEIVER_TYPES] },
          url: { type: 'string', format: 'uri' },
          secret: { type: 'string', minLength: 16 },
          routingKey: { type: 'string' },
          timeoutMs: duration,
          headers: labels,
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['receiver'],
        properties: {
          name: { type: 'string' },
          receiver: { type: 'string' },
          match: {
            type: 'object',
            additionalProperties: false,
            properties: {
              severity: { anyOf: [severity, { type: 'array', items: severity }] },
              owner: strings('owners'),
              category: strings('categories'),
              program: strings('programs'),
              rule: strings('rules'),
              labels,
            },
          },
          groupBy: {
            type: 'array',
            items: { anyOf: [{ enum: [...GROUP_FIELDS, '...'] }, { type: 'string', pattern: '^labels\\.[A-Za-z_][A-Za-z0-9_]*$' }] },
          },
          groupWait: duration,
          groupInterval: duration,
          repeatInterval: duration,
          continue: { type: 'boolean' },
        },
      },
    },
    silences: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['matchers', 'endsAt'],
        properties: {
          matchers: {
            type: 'object',
            additionalProperties: false,
            properties: {
              program: { type: 'string' },
              severity,
              category: { type: 'string' },
              owner: { type: 'string' },
              rule: { type: 'string' },
              labels,
            },
          },
          startsAt: { type: 'string', format: 'date-time' },
          endsAt: { type: 'string', format: 'date-time' },
          comment: { type: 'string' },
        },
      },
    },
    retry: { type: 'object', additionalProperties: false, properties: { initial: duration, max: duration, maxAge: duration } },
  },
} as const;
