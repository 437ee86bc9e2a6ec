// Log patterns: per program, the templates its lines fall into, with their rates; new templates
// and bursting ones first and marked. Filled by the daemon's log mining.
import { badge, fmtRate, h } from './dom.js';

export function renderPatterns(root, s) {
  const p = s.patterns;
  if (!p) return;
  const key = JSON.stringify(p);
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  if (!p.available) return root.replaceChildren(h('p', { class: 'empty' }, `Not available: ${p.reason}.`));
  if (p.programs.every((x) => x.templates.length === 0)) return root.replaceChildren(h('p', { class: 'empty' }, 'No log line mined yet.'));
  root.replaceChildren(
    ...p.programs
      .filter((x) => x.templates.length)
      .map((x) =>
        h(
          'div',
          { class: 'patterns-program' },
          h('h3', {}, x.program),
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
                  ['Template', 'Per minute', 'Count', ''].map((c, i) =>
                    h('th', { scope: 'col', class: i === 1 || i === 2 ? 'num' : undefined }, c),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                [...x.templates]
                  .sort((a, b) => Number(b.isNew || b.bursting) - Number(a.isNew || a.bursting) || b.perMinute - a.perMinute)
                  .slice(0, 15)
                  .map((t) =>
                    h(
                      'tr',
                      {},
                      h('td', { 'data-label': 'Template', class: 'mono wrap-text' }, t.text),
                      h('td', { 'data-label': 'Per minute', class: 'num' }, fmtRate(t.perMinute)),
                      h('td', { 'data-label': 'Count', class: 'num' }, t.count.toLocaleString()),
                      h('td', { 'data-label': '' }, t.bursting ? badge('warning', 'bursting') : t.isNew ? badge('info', 'new') : ''),
                    ),
                  ),
              ),
            ),
          ),
        ),
      ),
  );
}
