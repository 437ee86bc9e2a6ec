// Failover: who leads, with which fencing token, how long its lease has left, the members and
// their health, and the last drills. Read from the failover agent's status endpoint.
import { badge, fmtAgo, fmtDuration, h, setText } from './dom.js';

function kv(label, value, extra) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value, extra ?? null));
}

export function renderFailover(root, s) {
  if (!s.config) return;
  if (!s.config.failover) {
    if (!root.dataset.off) {
      root.dataset.off = '1';
      root.replaceChildren(
        h(
          'p',
          { class: 'empty' },
          'No failover agent is watched: set ',
          h('code', {}, 'dashboard.failover.status'),
          ' to its status socket or URL (docs/dashboard.md).',
        ),
      );
    }
    return;
  }
  const f = s.failover;
  if (!f || !f.ok) {
    root.replaceChildren(
      h('p', { class: 'empty' }, badge('unhealthy', 'unreachable'), ` ${f?.endpoint ?? ''}: ${f?.error ?? 'not read yet'}`),
    );
    return;
  }
  const st = f.status;
  const l = st.leadership ?? {};
  const leader = l.leader;
  const sinceRead = Date.now() + s.skew - f.at;
  const lease = l.deadlineInMs === null || l.deadlineInMs === undefined ? null : Math.max(0, l.deadlineInMs - sinceRead);
  const ttl = st.coordinator?.ttlMs ?? null;
  const leaseEl = h('span');
  setText(leaseEl, lease === null ? (leader ? 'held by the leader' : '–') : `${(lease / 1000).toFixed(1)} s`);
  const peers = st.peers ?? [];
  const members = [
    { node: st.node, role: l.role, alive: true, healthy: st.health?.healthy ?? null, lastSeenMsAgo: 0, token: l.token, self: true },
    ...peers,
  ];
  const drills = f.drills ?? [];
  root.replaceChildren(
    h(
      'dl',
      { class: 'kv' },
      kv('Leader', leader ? leader.node : 'none', leader ? null : h('span', {}, ' ', badge('dead', 'no leader'))),
      kv('Fencing token', leader ? String(leader.token) : '–'),
      kv('Lease remaining', leaseEl, ttl ? h('span', { class: 'muted' }, ` of ${fmtDuration(ttl)}`) : null),
      kv('This node', st.node, h('span', {}, ' ', badge(l.role ?? 'stopped'))),
      kv('Cluster', `${st.cluster} · ${st.coordinator?.kind ?? '?'}`),
    ),
    h('h3', {}, 'Members'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Node', 'Role', 'Reachable', 'Health', 'Token', 'Last heard'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          members.map((m) =>
            h(
              'tr',
              {},
              h('td', { 'data-label': 'Node', class: 'mono' }, m.node, m.self ? h('span', { class: 'muted' }, ' (this agent)') : null),
              h('td', { 'data-label': 'Role' }, badge(m.role ?? 'stopped', m.role ?? 'unknown')),
              h('td', { 'data-label': 'Reachable' }, badge(m.alive ? 'alive' : 'dead', m.alive ? 'reachable' : 'silent')),
              h(
                'td',
                { 'data-label': 'Health' },
                m.healthy === null || m.healthy === undefined
                  ? '–'
                  : badge(m.healthy ? 'healthy' : 'unhealthy', m.healthy ? 'healthy' : 'failing'),
              ),
              h('td', { 'data-label': 'Token', class: 'num' }, m.token ?? '–'),
              h(
                'td',
                { 'data-label': 'Last heard', class: 'num' },
                m.self ? 'now' : m.lastSeenMsAgo === null ? 'never' : `${fmtDuration(m.lastSeenMsAgo)} ago`,
              ),
            ),
          ),
        ),
      ),
    ),
    h('h3', {}, 'Last drills'),
    drills.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'stack' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['When', 'Fault', 'Recovery', 'Failed polls', 'Overlaps', 'Result'].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              drills.map((d) =>
                h(
                  'tr',
                  {},
                  h('td', { 'data-label': 'When' }, d.at ? fmtAgo(Date.parse(d.at)) : '–'),
                  h('td', { 'data-label': 'Fault' }, String(d.fault ?? '–')),
                  h('td', { 'data-label': 'Recovery', class: 'num' }, d.recovery_s === undefined ? '–' : `${d.recovery_s} s`),
                  h('td', { 'data-label': 'Failed polls', class: 'num' }, d.failed_polls ?? '–'),
                  h('td', { 'data-label': 'Overlaps', class: 'num' }, d.overlaps ?? '–'),
                  h(
                    'td',
                    { 'data-label': 'Result' },
                    d.overlaps
                      ? badge('unhealthy', 'split brain')
                      : d.passed === false
                        ? badge('unhealthy', 'failed')
                        : badge('healthy', 'passed'),
                  ),
                ),
              ),
            ),
          ),
        )
      : h(
          'p',
          { class: 'empty' },
          f.drillsError ?? 'No drill recorded: holdfast drill failover --record <file>, with that file as dashboard.failover.drills.',
        ),
  );
}
