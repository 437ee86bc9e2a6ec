// What `holdfast gen k8s -c holdfast.yaml --program NAME` takes from the supervisor config, so a
// program is described once: its name, port, instances, environment, memory and CPU, and the
// stop budget it has under the supervisor (stopTimeoutMs) become the Deployment's. What cannot
// carry over is said on stderr, never dropped silently: envFile values (secrets belong in a
// Secret), sockets past the first, and a loopback bind that would fail every probe in a pod.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { didYouMean } from '@holdfast/config/did-you-mean';
import { UsageError } from '../errors.ts';

/** The variables gen k8s sets itself from the pod's own numbers. */
const SET_BY_MANIFEST = ['PORT', 'HOLDFAST_TERMINATION_GRACE_MS', 'HOLDFAST_SHUTDOWN_DELAY_MS'];

export interface ProgramSpec {
  program: string;
  port: number | undefined;
  replicas: number;
  /** The container's environment besides what the manifest sets (NODE_OPTIONS included). */
  env: Record<string, string>;
  memoryBytes: number | undefined;
  /** Cores, as a Kubernetes quantity ("500m", "2"). */
  cpu: string | undefined;
  /** The program's stopTimeoutMs: the budget its service plans its shutdown in. */
  stopTimeoutMs: number;
  /** Where the config binds the program to loopback (a listen host or an address variable), if it does. */
  loopback: string | undefined;
  /** Adds the heap size for `memoryBytes` to env.NODE_OPTIONS by the supervisor's rule for this program. */
  sizeHeap(env: Record<string, string>, memoryBytes: number): void;
  warnings: string[];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;
const ADDRESS_VAR = /(^|_)(HOST|BIND|ADDR|ADDRESS|LISTEN)(_|$)/;

export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Reads the config and describes one program of it for a pod. */
export async function programSpec(file: string, name: string | undefined): Promise<ProgramSpec> {
  const { loadSupervisorConfig, applyNodeHeap, parseEnvFile } = await import('@holdfast/supervisor');
  const config = await loadSupervisorConfig(file);
  const names = Object.keys(config.programs);
  if (name === undefined) {
    if (names.length !== 1)
      throw new UsageError(`${config.file} has ${names.length} programs (${names.join(', ')}): say which with --program <name>`);
    name = names[0]!;
  }
  const p = config.programs[name];
  if (!p) {
    const guess = didYouMean(name, names);
    throw new UsageError(
      `--program '${name}' is not a program ` +
        `of ${config.file}${guess ? ` (did you mean ` + `'${guess}'?)` : ''}; its ` +
        `programs: ${names.join(', ')}`,
    );
  }
  const warnings: string[] = [];
  const at = `programs.${name}`;

  // envFile values are merged into env when the config is read; a manifest is committed and
  // shared, so what came from those files (often secrets) stays out of it.
  const fromFiles = new Set<string>();
  const envFiles = p.envFile === undefined ? [] : Array.isArray(p.envFile) ? p.envFile : [p.envFile];
  for (const f of envFiles) {
    const parsed = parseEnvFile(readFileSync(resolve(dirname(config.file), f), 'utf8'));
    if (parsed.ok) for (const k of Object.keys(parsed.env)) fromFiles.add(k);
  }
  if (fromFiles.size > 0) {
    warnings.push(
      `${at}.envFile ` +
        `(${envFiles.join(', ')}): ${[...fromFiles].join(', ')} not written into the manifest (an env ` +
        `file often holds secrets): ` +
        `put them in a Secret and add it to the container with envFrom: [{secretRef: {name: …}}]`,
    );
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.env)) {
    if (fromFiles.has(k)) continue;
    if (SET_BY_MANIFEST.includes(k)) {
      if (k !== 'PORT')
        warnings.push(`${at}.env.${k} is not copied: the manifest sets it from terminationGracePeriodSeconds and the preStop sleep`);
      continue;
    }
    env[k] = v;
  }

  const listen = p.listen ?? [];
  if (listen.length > 1) {
    warnings.push(
      `${at}.listen: only the first socket (port ${listen[0]!.port}) is in the manifest; ${listen
        .slice(1)
        .map((l) => `port ${l.port}`)
        .join(', ')} left out: add them to ports yourself`,
    );
  }
  const envPort = p.env.PORT !== undefined && /^\d+$/.test(p.env.PORT) ? Number(p.env.PORT) : undefined;
  const port = listen[0]?.port ?? envPort;

  const loopbackAt = listen.findIndex((l) => LOOPBACK.test(l.host));
  const loopbackVar = Object.entries(p.env).find(([k, v]) => ADDRESS_VAR.test(k) && LOOPBACK.test(v));
  const loopback =
    loopbackAt >= 0
      ? `${at}.listen[${loopbackAt}].host is ${listen[loopbackAt]!.host}`
      : loopbackVar
        ? `${at}.env.${loopbackVar[0]} is ${loopbackVar[1]}`
        : undefined;

  return {
    program: name,
    port,
    replicas: p.instances,
    env,
    memoryBytes: p.limits?.memory,
    cpu: p.limits?.cpu === undefined ? undefined : cpuQuantity(p.limits.cpu),
    stopTimeoutMs: p.stopTimeoutMs,
    loopback,
    // The supervisor's own rule for this program: limits.nodeHeap, a Node command, a heap size
    // already in NODE_OPTIONS kept.
    sizeHeap: (e, memory) => void applyNodeHeap(e, p.argv[0], { memory, nodeHeap: p.limits?.nodeHeap ?? 'auto' }),
    warnings,
  };
}
