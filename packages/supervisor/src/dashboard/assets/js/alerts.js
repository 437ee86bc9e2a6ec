// Alerts: the ledger of each rule's firings over 7 days and its noise (invalid, flapping, or gone
// with nobody acting), noisiest first, with what to do about it.
import { badge, fmtDuration, h } from './dom.js';

export function renderAlerts(root, s) {
  if (!s.config) return;
  if (!s.config.incidents) {
    if (!root.dataset.off) {
      root.dataset.off = '1';
      root.replaceChildren(h('p', { class: 'empty' }, 'The alert ledger comes with the incident loop: add an ', h('code', {}, 'incidents:'), ' section to the config.'));
    }
    return;
  }
  const key = JSON.stringify(s.alerts);
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  if (s.alerts.length === 0) return root.replaceChildren(h('p', { class: 'empty' }, 'No rule fired in the last 7 days.'));
  root.replaceChildren(
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack' },
        h('thead', {}, h('tr', {}, ['Rule', 'Fired', 'Acknowledged', 'Not valid', 'Ignored', 'Flapping', 'Time to ack', 'Noise', 'Do'].map((c, i) => h('th', { scope: 'col', class: i > 0 && i < 7 ? 'num' : undefined }, c)))),
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
  const bar = h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': 'noise' }, h('i'));
  bar.firstChild.style.width = `${pct}%`;
  return h('span', { class: `noise${v >= 0.5 ? ' high' : ''}` }, bar, `${pct} %`);
}
