// Where the daemon reads each instance's metrics (the order is explained in scrape-config.ts).
// Pure: the program's config and what the instance announced in, a URL or the reason there is
// none out.
import type { ProgramConfig } from '../config/schema.ts';

export interface ScrapeTarget {
  /** The instance id (`orders`, `gateway:1`). */
  id: string;
  program: string;
  url: string;
}

/** A socket bound to every address is read on loopback. */
function hostFor(bound: string): string {
  if (bound === '0.0.0.0' || bound === '') return '127.0.0.1';
  if (bound === '::') return '[::1]';
  return bound.includes(':') ? `[${bound}]` : bound;
}

export function targetFor(
  program: string,
  p: Pick<ProgramConfig, 'metrics' | 'listen' | 'instances'>,
  instance: { id: string; index: number; announced?: string },
): ScrapeTarget | { id: string; program: string; none: string } {
  const m = p.metrics;
  const none = (why: string) => ({ id: instance.id, program, none: why });
  if (m === false) return none('metrics: false');
  const url = typeof m === 'string' ? m : m?.url;
  if (url !== undefined) return { id: instance.id, program, url: url.replaceAll('{instance}', String(instance.index)) };
  if (instance.announced) return { id: instance.id, program, url: instance.announced };
  const listen = p.listen ?? [];
  if (listen.length === 1 && p.instances === 1) {
    const l = listen[0]!;
    const path = (typeof m === 'object' ? m.path : undefined) ?? '/metrics';
    return { id: instance.id, program, url: `http://${hostFor(l.host)}:${l.port}${path}` };
  }
  if (listen.length === 0) return none('no listening socket and no metrics address announced or configured');
  return none(`${p.instances} instances share its listening socket, and none announced its own metrics address`);
}

/** The dependency → program map a program declares. */
export function declaredDependencies(p: Pick<ProgramConfig, 'metrics'>): Record<string, string> {
  return typeof p.metrics === 'object' && p.metrics && p.metrics.dependencies ? p.metrics.dependencies : {};
}
