// Grouping: which signals are the same incident. One fingerprint per incident, chosen by the
// first rule that applies (Sentry's order, adapted to what our signals carry):
//   1. an explicit fingerprint (the knowledge-base entry's, else the signal's own);
//   2. a Prometheus alert: its full label set (what Alertmanager itself groups an alert by);
//   3. a stack trace with in-app frames: error type + the top in-app frames (function and file,
//      never line numbers, which move with every deploy);
//   4. a log template id from the miner;
//   5. an error code or error type;
//   6. otherwise: the kind, and the signal's identifying labels.
// Every rule adds the source and the program, so the same error in two programs is two incidents
// unless an explicit fingerprint says otherwise. Rules are versioned (GROUPINGS): an incident
// records the version it was grouped with, and a new version is added beside the old one, never
// edited in place, so upgrading holdfast does not split or merge existing incidents.
import { fnv1a64 } from './hash.ts';
import { sourceOf, type Signal } from './signal.ts';

/** A grouping version's rules: which fingerprint rule applies to a signal, over which parts. */
export type GroupingRules = (s: Signal, explicit: string | undefined) => { rule: Grouping['rule']; components: string[] };
/** A grouping version: the number its dedup keys carry (`hf<version>:`). */
export type GroupingVersion = number;

/**
 * Every grouping version ever shipped. A change of grouping is a new entry here and a new
 * CURRENT_GROUPING, never an edit of an entry: incidents grouped under an older version keep
 * matching by it (IncidentEngine looks a signal up under each older version when the current
 * one finds nothing), so an upgrade splits or merges nothing that exists.
 */
export interface Groupings {
  current: GroupingVersion;
  versions: ReadonlyMap<GroupingVersion, GroupingRules>;
}

/** PagerDuty Events v2 caps dedup_key at 255 characters. */
export const DEDUP_KEY_MAX = 255;
/** In-app frames a stack-trace fingerprint takes. */
const TOP_FRAMES = 3;

export interface Grouping {
  /** The grouping rule that applied ('explicit', 'alert', 'stack', 'template', 'error', 'kind'). */
  rule: 'explicit' | 'alert' | 'stack' | 'template' | 'error' | 'kind';
  version: GroupingVersion;
  /** The readable parts the hash is taken over (shown by `holdfast incidents show`). */
  components: string[];
  /** `hf<version>:<source>:<program>:<hash>` (`hf<version>:fp:<fingerprint>:<hash>` when explicit), at most 255 characters. */
  dedupKey: string;
}

// V8: "    at fn (file:line:col)", "    at file:line:col", "    at async fn (file...)".
const V8_FRAME = /^\s*at (?:async )?(?:(.+?) \()?(.+?)(?::\d+)?(?::\d+)?\)?$/;
// Python: '  File "/app/x.py", line 3, in handler'.
const PY_FRAME = /^\s*File "(.+?)", line \d+, in (.+)$/;

function notInApp(file: string): boolean {
  return (
    file.startsWith('node:') ||
    file.includes('/node_modules/') ||
    file.includes('site-packages/') ||
    file.startsWith('internal/') ||
    file === '<anonymous>' ||
    file === 'native'
  );
}

/** The last two path segments, without a file:// prefix or query: stable across checkouts. */
function shortFile(file: string): string {
  const clean = file.replace(/^file:\/\//, '').replace(/[?#].*$/, '');
  const parts = clean.split('/').filter(Boolean);
  return parts.slice(-2).join('/');
}

/** The top in-app frames of a stack trace as "function@dir/file" (innermost first). */
export function inAppFrames(stack: string, max = TOP_FRAMES): string[] {
  const out: string[] = [];
  for (const line of stack.split('\n')) {
    if (out.length >= max) break;
    let fn: string | undefined;
    let file: string | undefined;
    const py = PY_FRAME.exec(line);
    if (py) [, file, fn] = py;
    else {
      if (!line.trimStart().startsWith('at ')) continue;
      const m = V8_FRAME.exec(line);
      if (!m) continue;
      [, fn, file] = m;
    }
    if (!file || notInApp(file)) continue;
    // An anonymous frame is named by its file alone: its line number would move with every edit.
    out.push(`${fn ? fn.replace(/^Object\.|^Module\./, '') : '<anonymous>'}@${shortFile(file)}`);
  }
  return out;
}

const sortedLabels = (labels: Record<string, string> | undefined) =>
  labels
    ? Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
    : [];

function groupV1(s: Signal, explicit: string | undefined): { rule: Grouping['rule']; components: string[] } {
  const fp = explicit ?? s.fingerprint;
  if (fp !== undefined) return { rule: 'explicit', components: [fp] };
  if (s.kind === 'alert') return { rule: 'alert', components: sortedLabels(s.labels) };
  const frames = s.error?.stack ? inAppFrames(s.error.stack) : [];
  if (frames.length > 0) return { rule: 'stack', components: [s.error?.type ?? 'Error', ...frames] };
  if (s.template) return { rule: 'template', components: [s.template.id] };
  if (s.error?.code || s.error?.type) return { rule: 'error', components: [s.kind, s.error.type ?? '', s.error.code ?? ''] };
  return { rule: 'kind', components: [s.kind, ...sortedLabels(s.labels)] };
}

export const CURRENT_GROUPING: GroupingVersion = 1;
export const GROUPINGS: Groupings = { current: CURRENT_GROUPING, versions: new Map([[1, groupV1]]) };
export const GROUPING_VERSIONS: readonly GroupingVersion[] = [...GROUPINGS.versions.keys()];

const SAFE = /[^A-Za-z0-9_.-]/g;

/** The grouping of `s` under `version` of `groupings`; `explicit` is a knowledge-base entry's fingerprint. */
export function fingerprint(
  s: Signal,
  explicit?: string,
  version: GroupingVersion = CURRENT_GROUPING,
  groupings: Groupings = GROUPINGS,
): Grouping {
  const rules = groupings.versions.get(version);
  if (!rules) throw new RangeError(`no grouping version ${version} (known: ${[...groupings.versions.keys()].join(', ')})`);
  const { rule, components } = rules(s, explicit);
  // An explicit fingerprint groups across programs and sources: a service's error lines, the
  // breaker its caller opens and the alert on its latency can be one incident. That is what it is for.
  const source = rule === 'explicit' ? 'fp' : sourceOf(s.kind);
  const program = rule === 'explicit' ? components[0]! : rule === 'alert' ? '*' : (s.program ?? '-');
  const hash = fnv1a64(`${version}\u0000${source}\u0000${program}\u0000${components.join('\u0000')}`);
  const readable = `hf${version}:${source}:${program.replace(SAFE, '_')}`;
  // The hash always survives: the readable part is cut, never the part that identifies.
  const dedupKey = `${readable.slice(0, DEDUP_KEY_MAX - hash.length - 1)}:${hash}`;
  return { rule, version, components, dedupKey };
}
