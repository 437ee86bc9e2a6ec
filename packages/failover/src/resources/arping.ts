// iputils `arping` for the two ARP jobs of a VIP: the duplicate check before adding it (`-D`:
// does any other host answer for this address?) and gratuitous ARP after adding it (`-U`:
// every neighbour, the switch's MAC table and the clients' ARP caches learn the new holder).
//
// iputils' arping counts time in whole seconds (-w, -i) and lingers a full interval after its
// last probe, so a duplicate check of a fraction of a second is done by starting a longer one
// and ending it with SIGTERM at the end of our window: arping catches SIGTERM (signalfd), stops
// probing and exits with its verdict (0: nobody answered, 1: someone did).
import { FailoverError } from '../errors.ts';
import { inNetns, outputOf, runCommand } from './command.ts';
import type { Where } from './ip.ts';

export interface DuplicateCheckResult {
  duplicate: boolean;
  /** MAC of the host that answered, when one did. */
  mac?: string;
  /** How long the check took, ms. */
  tookMs: number;
}

const REPLY = /(?:reply|request) from (\d+\.\d+\.\d+\.\d+) \[([0-9A-Fa-f:]+)\]/;

async function arping(where: Where, args: string[], signal: AbortSignal) {
  const [file, argv] = inNetns(where.netns, 'arping', [...args, '-I', where.dev]);
  try {
    return await runCommand(file, argv, { signal, killSignal: 'SIGTERM' });
  } catch (err) {
    throw new FailoverError(
      'HOLDFAST_E_RESOURCE_FAILED',
      `cannot run arping: ${(err as Error).message}; install iputils-arping`,
      {},
      { cause: err },
    );
  }
}

/**
 * Probes `address` with ARP for `windowMs` (RFC 5227 style: sender IP 0.0.0.0, so no neighbour
 * learns anything from the probe). A reply from another MAC means another host holds it.
 */
export async function duplicateCheck(where: Where, address: string, windowMs: number, signal?: AbortSignal): Promise<DuplicateCheckResult> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const window = windowMs * 2 ** attempt;
    const seconds = Math.max(1, Math.ceil(window / 1000)) + 1;
    const stop = AbortSignal.any([AbortSignal.timeout(window), ...(signal ? [signal] : [])]);
    const r = await arping(where, ['-D', '-c', String(seconds + 1), '-w', String(seconds), address], stop);
    if (signal?.aborted)
      throw new FailoverError(
        'HOLDFAST_E_RESOURCE_TIMEOUT',
        `duplicate check of ${address} on ${where.dev} was cut short (timeout or lost leadership)`,
      );
    const tookMs = performance.now() - started;
    if (r.code === 0) return { duplicate: false, tookMs };
    if (r.code === 1) {
      const m = REPLY.exec(r.stdout);
      return { duplicate: true, ...(m?.[2] ? { mac: m[2].toLowerCase() } : {}), tookMs };
    }
    // Ended by the signal before it installed its handler (a very short window on a busy host):
    // it may not have probed at all, so probe again with a longer window.
    if (r.code === null && attempt < 2) continue;
    throw new FailoverError(
      'HOLDFAST_E_RESOURCE_FAILED',
      `duplicate check ` +
        `of ${address} ` +
        `on ${where.dev}${where.netns ? ` ` + `(netns ${where.netns})` : ''} failed (arping ` +
        `exit ${r.code ?? r.signal}): ${outputOf(r)}; check that the interface exists and is up`,
    );
  }
}

/**
 * One unsolicited ARP request for `address` (sender = target = address), which updates every
 * neighbour's cache entry for it. Resolves when arping exits (about a second later: it waits out
 * its interval); callers fire these in bursts without waiting.
 */
export async function gratuitousArp(where: Where, address: string, signal?: AbortSignal): Promise<void> {
  const r = await arping(where, ['-q', '-U', '-c', '1', address], signal ?? new AbortController().signal);
  if (r.code === 0 || r.aborted) return;
  throw new FailoverError(
    'HOLDFAST_E_RESOURCE_FAILED',
    `gratuitous ARP for ${address} on ${where.dev} failed (arping exit ${r.code ?? r.signal}): ${outputOf(r)}`,
  );
}
