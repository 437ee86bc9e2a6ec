// Alerts: the ledger of each rule's firings over 7 days and its noise (invalid, flapping, or gone
// with nobody acting), noisiest first, with what to do about it.
import { badge, fmtDuration, h } from './dom.js';

/** The alerts:/slos: rules the daemon evaluates itself: how many, what fires now, the last evaluation. */
function evaluated(a) {
  if (!a) return null;
  const head = h(
    'p',
    { class: 'evaluated' },
    h('b', {}, `${a.rules} alert rule${a.rules === 1 ? '' : 's'}`),
    ' evaluated in the daemon',
    a.lastEvaluationAt ? ` · last ${fmtDuration(Math.max(0, Date.now() - a.lastEvaluationAt))} ago` : ' · not evaluated yet',
    ` · ${a.pending} pending`,
    a.lastError ? h('span', {}, ' ', badge('unhealthy', 'error'), ` ${a.lastError}`) : null,
  );
  const firing = a.firing.length
    ? h(
        'ul',
        { class: 'firing' },
        a.firing.map((f) =>
          h(
            'li',
            { dataset: { alert: f.alertname } },
            badge('unhealthy', 'firing'),
            ' ',
            h('b', { class: 'mono' }, f.alertname),
            ' ',
            h(
              'span',
              { class: 'muted mono' },
              Object.entries(f.labels)
                .filter(([k]) => k !== 'alertname')
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
            ),
            ` · for ${fmtDuration(Math.max(0, Date.now() - f.since))}`,
          ),
        ),
      )
    : h('p', { class: 'empty' }, 'Nothing firing.');
  return h('div', { class: 'evaluated-rules' }, head, firing);
}

export function renderAlerts(root, s) {
  if (!s.config) return;
  const live = evaluated(s.daemon?.alerting);
  const liveKey = JSON.stringify([
    s.daemon?.alerting?.firing,
    s.daemon?.alerting?.pending,
    s.daemon?.alerting?.lastError,
    Math.floor(Date.now() / 10_000),
  ]);
  if (!s.config.incidents) {
    if (root.dataset.key === `off${liveKey}`) return;
    root.dataset.key = `off${liveKey}`;
    root.replaceChildren(
      ...[
        live,
        h(
          'p',
          { class: 'empty' },
          'The alert ledger comes with the incident loop: add an ',
          h('code', {}, 'incidents:'),
          ' section to the config.',
        ),
      ].filter(Boolean),
    );
    return;
  }
  const key = JSON.stringify(s.alerts) + liveKey;
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  if (s.alerts.length === 0)
    return root.replaceChildren(...[live, h('p', { class: 'empty' }, 'No rule fired in the last 7 days.')].filter(Boolean));
  root.replaceChildren(
    ...[live].filter(Boolean),
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
            ['Rule', 'Fired', 'Acknowledged', 'Not valid', 'Ignored', 'Flapping', 'Time to ack', 'Noise', 'Do'].map((c, i) =>
              h('th', { scope: 'col', class: i > 0 && i < 7 ? 'num' : undefined }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          s.alerts.map((r) =>
            h(
              'tr',
              { dataset: { rule: r.rule } },
              h('td', { 'data-label': 'Rule', class: 'mono' }, r.rule),
              h('td', { 'data-label': 'Fired', class: 'num' }, r.fired),
              h('td', { 'data-label': 'Acknowledged', class: 'num' }, r.acknowledged),
              h('td', { 'data-label': 'Not valid', class: 'num' }, r.invalid),
              h('td', { 'data-label': 'Ignored', class: 'num' }, r.ignored),
              h('td', { 'data-label': 'Flapping', class: 'num' }, r.flapping),
              h('td', { 'data-label': 'Time to ack', class: 'num' }, r.ackMedianMs === null ? '–' : fmtDuration(r.ackMedianMs)),
              h('td', { 'data-label': 'Noise' }, noise(r.noise)),
              h('td', { 'data-label': 'Do', class: 'wrap-text' }, badge(r.suggestion), ' ', h('span', { class: 'muted' }, r.why)),
            ),
          ),
        ),
      ),
    ),
  );
}

function noise(v) {
  const pct = Math.round(v * 100);
  const bar = h(
    'span',
    { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': 'noise' },
    h('i'),
  );
  bar.firstChild.style.width = `${pct}%`;
  return h('span', { class: `noise${v >= 0.5 ? ' high' : ''}` }, bar, `${pct} %`);
}
