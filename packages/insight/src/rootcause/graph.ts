// Which program calls which, from what the supervisor config and the services' own metrics say:
//  - declared: a program's `metrics.dependencies` maps a dependency name to the program it calls;
//  - env: a URL in a program's environment (ORDERS_URL=http://127.0.0.1:3001) whose port is
//    another program's listening socket;
//  - dependency: a name in the caller's holdfast_dependency_* metrics that is a program's name,
//    or that names one of the caller's env URLs (dependency 'inventory' ↔ INVENTORY_URL).
// `dependsOn` is not used: it orders starts, and a program often waits for one it never calls
// (a migration, a cache warmer); an edge that is not a call would hide a cause behind it.
// Pure: programs and observed dependency names in, edges out.

export interface ProgramEndpoints {
  name: string;
  /** The sockets the supervisor listens on for it. */
  listen: readonly { host: string; port: number }[];
  env: Readonly<Record<string, string>>;
  /** Declared: dependency name → the program it calls. */
  dependencies?: Readonly<Record<string, string>>;
}

export interface CallEdge {
  from: string;
  to: string;
  via: string[];
}

export interface CallGraph {
  edges: CallEdge[];
  /** Per caller: its dependency names (as its metrics label them) → the program called. */
  targets: Map<string, Map<string, string>>;
  /** Dependencies seen in a program's metrics that map to no program (explain says how to declare them). */
  unmapped: { program: string; dependency: string }[];
}

const DEFAULT_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  redis: 6379,
  rediss: 6379,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mongodb: 27017,
  amqp: 5672,
  nats: 4222,
};
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\]|0\.0\.0\.0|::|\[::\])$/i;

/** host:port pairs named by an environment value: URLs (one or a list), or a bare host:port. */
export function endpointsIn(value: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const m of value.matchAll(/\b([a-z][a-z0-9+.-]*):\/\/([^\s,;"']+)/gi)) {
    try {
      const u = new URL(`${m[1]}://${m[2]}`);
      const port = u.port ? Number(u.port) : DEFAULT_PORTS[m[1]!.toLowerCase()];
      if (u.hostname && port) out.push({ host: u.hostname.replace(/^\[|\]$/g, ''), port });
    } catch {
      // not a URL after all
    }
  }
  const bare = /^\s*([a-z0-9.-]+|\[[0-9a-f:]+\]):(\d{1,5})\s*$/i.exec(value);
  if (out.length === 0 && bare) out.push({ host: bare[1]!.replace(/^\[|\]$/g, ''), port: Number(bare[2]) });
  return out;
}

/** Whether a client connecting to `host` on this machine reaches a socket bound to `bound`. */
function reaches(host: string, bound: string): boolean {
  const h = host.toLowerCase();
  const b = bound.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === b) return true;
  if (b === '0.0.0.0' || b === '::') return LOOPBACK.test(h) || h === 'localhost';
  return LOOPBACK.test(h) && LOOPBACK.test(b);
}

/** Letters and digits only, lower case: INVENTORY_URL and 'inventory' share 'inventory'. */
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The call graph of `programs`; `observed` holds, per program, the dependency names its metrics
 * report (holdfast_dependency_upstream_calls_total's `dependency` label).
 */
export function buildCallGraph(
  programs: readonly ProgramEndpoints[],
  observed: ReadonlyMap<string, readonly string[]> = new Map(),
): CallGraph {
  const byName = new Map(programs.map((p) => [p.name, p]));
  const edges = new Map<string, CallEdge>();
  const add = (from: string, to: string, via: string) => {
    if (from === to) return;
    const k = `${from}\u0000${to}`;
    const e = edges.get(k) ?? { from, to, via: [] };
    if (!e.via.includes(via)) e.via.push(via);
    edges.set(k, e);
  };
  /** Per program, its env variables that point at another program: variable → program. */
  const envTargets = new Map<string, Map<string, string>>();
  for (const p of programs) {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(p.env).sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const ep of endpointsIn(v)) {
        const target = programs.find((q) => q.name !== p.name && q.listen.some((l) => l.port === ep.port && reaches(ep.host, l.host)));
        if (target) {
          m.set(k, target.name);
          add(p.name, target.name, `env ${k}`);
        }
      }
    }
    envTargets.set(p.name, m);
  }
  const targets = new Map<string, Map<string, string>>();
  const unmapped: CallGraph['unmapped'] = [];
  for (const p of programs) {
    const t = new Map<string, string>();
    for (const [dep, to] of Object.entries(p.dependencies ?? {})) {
      if (!byName.has(to)) continue; // the config check refuses this; never an edge to nowhere
      t.set(dep, to);
      add(p.name, to, `declared dependency '${dep}'`);
    }
    for (const dep of observed.get(p.name) ?? []) {
      if (t.has(dep)) continue;
      let to: string | undefined = byName.has(dep) && dep !== p.name ? dep : undefined;
      if (!to) {
        const d = squash(dep);
        const hits = [...(envTargets.get(p.name) ?? [])].filter(([k]) => d.length >= 3 && squash(k).includes(d)).map(([, q]) => q);
        if (new Set(hits).size === 1) to = hits[0];
      }
      if (!to) {
        unmapped.push({ program: p.name, dependency: dep });
        continue;
      }
      t.set(dep, to);
      add(p.name, to, `dependency '${dep}'`);
    }
    targets.set(p.name, t);
  }
  return { edges: [...edges.values()], targets, unmapped };
}
