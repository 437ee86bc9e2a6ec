// Which etcd builds can end a lease early, and what the agent says about it at connect.
//
// etcd-io/etcd#15247: an etcd leader stuck in its raft loop (slow fdatasync, starved CPU) keeps
// its lessor running; after a new etcd leader renewed a lease, the old one may still revoke it as
// expired once it unblocks. The lease then ends before the TTL the keep-alive promised, which
// breaks step 2 of the safety argument ("nothing shortens a lease"; docs/failover.md). The fix,
// etcd-io/etcd#16822 (a member revokes expired leases only after confirming it still leads), is
// in 3.6.0 and was backported: 3.5.13 (2024-03-29, etcd-io/etcd#17425) and 3.4.31 (2024-03-21,
// etcd-io/etcd#17465), per etcd's CHANGELOG-3.5.md and CHANGELOG-3.4.md. A single-member etcd
// has no second leader to revoke anything, so it is not exposed.

/** First release of each line with the fix (a line not listed and older than 3.6 has none). */
export const EARLY_REVOKE_FIXED = { '3.4': '3.4.31', '3.5': '3.5.13', '3.6': '3.6.0' } as const;

export interface EtcdServerInfo {
  /** The version the answering member reports (maintenance Status). */
  version: string;
  /** Voting members (learners do not elect leaders). */
  members: number;
}

export type EarlyRevokeVerdict = { exposed: false; why: string } | { exposed: true; why: string; upgradeTo: string };

function parse(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

const atLeast = (v: [number, number, number], w: [number, number, number]) =>
  v[0] !== w[0] ? v[0] > w[0] : v[1] !== w[1] ? v[1] > w[1] : v[2] >= w[2];

/** Whether a cluster of `members` voting members on `version` can revoke a lease early (etcd-io/etcd#15247). */
export function earlyRevokeVerdict({ version, members }: EtcdServerInfo): EarlyRevokeVerdict {
  const v = parse(version);
  const fixes = `3.4.31, 3.5.13 or 3.6.0 and later`;
  if (members <= 1) return { exposed: false, why: `a single-member etcd has no second leader that could revoke a lease early` };
  if (!v)
    return {
      exposed: true,
      why: `etcd reports version '${version}', which holdfast cannot compare with the fixed releases (${fixes})`,
      upgradeTo: fixes,
    };
  const line = `${v[0]}.${v[1]}` as keyof typeof EARLY_REVOKE_FIXED;
  const fixed = EARLY_REVOKE_FIXED[line];
  if (fixed) {
    const f = parse(fixed)!;
    if (atLeast(v, f)) return { exposed: false, why: `etcd ${version} has the fix (first in ${fixed})` };
    return { exposed: true, why: `etcd ${version} predates ${fixed}, the first ${line} release with the fix`, upgradeTo: fixed };
  }
  if (atLeast(v, [3, 6, 0])) return { exposed: false, why: `etcd ${version} has the fix (3.6.0 and later)` };
  return { exposed: true, why: `etcd ${version} is older than every release with the fix (${fixes})`, upgradeTo: '3.4.31' };
}

/** The warning the agent logs at connect for an exposed cluster (null when it is not exposed). */
export function earlyRevokeWarning(info: EtcdServerInfo): string | null {
  const verdict = earlyRevokeVerdict(info);
  if (!verdict.exposed) return null;
  return (
    `${verdict.why}, on ` +
    `a ${info.members}-member cluster: it can revoke a lease before its TTL when an etcd leader ` +
    `stalls (etcd-io/etcd#15247, fixed by etcd-io/etcd#16822), ` +
    `so another node may be elected while this one still believes it leads. Upgrade etcd to ${verdict.upgradeTo} or later. ` +
    (`Until then such an overlap lasts at most until this node sees the record gone (a watch event, or its next ` +
      `keep-alive) and drops its resources; `) +
    `downstream writes checked against HOLDFAST_FENCING_TOKEN refuse it (docs/failover.md, "A lease revoked early")`
  );
}
