// Releasing a dead leader's lease, so the next leader need not wait out the TTL.
//
// When the agent dies (its end of the pipe closed, and its pid is verified gone or a zombie),
// the companion has torn every resource down; if every step succeeded, nothing of the term is
// left acting and nothing ever will be: a dead process does nothing. Revoking the lease then only
// lets another node win sooner — keepalived's clean-stop speed after a SIGKILL.
//
// Never for a frozen agent ('expired'): it may still hold a deadline the fence does not know of
// yet (a pet in flight), and after a revoke another node could win while it acts. For that case
// the lease runs out on its own, which is what the deadline arithmetic is built on.
//
// Both coordinators: an etcd lease is revoked through etcd's JSON gateway; a `local` lease is
// ended in the shared state directory (LocalCoordinator.revoke, under its mutex). Either way the
// term counts as expired, not released: the next winner still runs the fence hook.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** What the agent hands the fence at arm time so it can release the term's lease. */
export type ReleaseSpec =
  | {
      kind: 'etcd-lease';
      /** etcd client URLs (http://host:2379); the v3 JSON gateway is used. */
      endpoints: string[];
      /** The lease id, decimal, as etcd returns it. */
      leaseId: string;
    }
  | {
      kind: 'local-lease';
      /** The local coordinator's state directory (coordinator.dir, resolved) and cluster. */
      dir: string;
      cluster: string;
      leaseId: string;
    };

export function isReleaseSpec(v: unknown): v is ReleaseSpec {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (r['kind'] === 'etcd-lease') {
    return (
      Array.isArray(r['endpoints']) &&
      r['endpoints'].every((e) => typeof e === 'string') &&
      typeof r['leaseId'] === 'string' &&
      /^\d+$/.test(r['leaseId'])
    );
  }
  if (r['kind'] === 'local-lease') {
    return (
      typeof r['dir'] === 'string' &&
      r['dir'].startsWith('/') &&
      typeof r['cluster'] === 'string' &&
      r['cluster'] !== '' &&
      typeof r['leaseId'] === 'string' &&
      /^[\w-]{8,64}$/.test(r['leaseId'])
    );
  }
  return false;
}

/** True when `pid` no longer runs: gone, or a zombie waiting to be reaped. */
export function processGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …" — the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** POSTs `body` as JSON; resolves with the status and the body text (node:http: no fetch start-up cost when it counts). */
function postJson(url: string, body: unknown, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** Revokes the lease (etcd: through the first endpoint that answers). A lease already gone counts as released. */
export async function releaseLease(spec: ReleaseSpec, timeoutMs = 1000): Promise<{ ok: boolean; error?: string; endpoint?: string }> {
  if (spec.kind === 'local-lease') return releaseLocalLease(spec, timeoutMs);
  const errors: string[] = [];
  for (const endpoint of spec.endpoints) {
    try {
      const res = await postJson(`${endpoint.replace(/\/+$/, '')}/v3/lease/revoke`, { ID: spec.leaseId }, timeoutMs);
      if ((res.status >= 200 && res.status < 300) || /lease not found/i.test(res.text)) return { ok: true, endpoint };
      errors.push(`${endpoint}: HTTP ${res.status} ${res.text.slice(0, 120)}`);
    } catch (err) {
      errors.push(`${endpoint}: ${(err as Error).message}`);
    }
  }
  return { ok: false, error: errors.join('; ') };
}

/** Ends a `local` coordinator lease in its state directory (loaded only when needed: node:sqlite). */
async function releaseLocalLease(
  spec: Extract<ReleaseSpec, { kind: 'local-lease' }>,
  timeoutMs: number,
): Promise<{ ok: boolean; error?: string; endpoint?: string }> {
  const { LocalCoordinator } = await import('../coordinator/local.ts');
  // ttlMs bounds how long the mutex may be waited for.
  const c = new LocalCoordinator({ dir: spec.dir, cluster: spec.cluster, ttlMs: timeoutMs });
  try {
    await c.revoke(spec.leaseId); // false: the record is not this lease's any more, which is released too
    return { ok: true, endpoint: spec.dir };
  } catch (err) {
    return { ok: false, error: `${spec.dir}: ${(err as Error).message}` };
  } finally {
    await c.close();
  }
}
