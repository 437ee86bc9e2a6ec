// Log patterns: per program, the top templates its lines fall into (the daemon sends at most
// `top` a program), with their rates; bursting and new templates first, each marked by a badge
// whose word and glyph say it as well as its colour. Pushed by the daemon as it mines.
import { badge, fmtRate, h } from './dom.js';

const mark = (t) => (t.bursting ? badge('bursting') : t.isNew ? badge('new') : '');

function row(t) {
  const state = t.bursting ? 'bursting' : t.isNew ? 'new' : 'steady';
  return h(
    'tr',
    { class: `tpl-row ${state}`, dataset: { id: t.id, state } },
    h('td', { 'data-label': 'State', class: 'tpl-state' }, mark(t)),
    h('td', { 'data-label': 'Template', class: 'mono wrap-text tpl-text' }, t.text),
    h('td', { 'data-label': 'Level' }, t.level ?? '–'),
    h('td', { 'data-label': 'Per minute', class: 'num' }, fmtRate(t.perMinute)),
    h('td', { 'data-label': 'Count', class: 'num' }, t.count.toLocaleString()),
    h('td', { 'data-label': 'Id', class: 'mono muted tpl-id' }, t.id),
  );
}

function program(p, top) {
  const shown = p.templates.length;
  const more = p.total > shown ? `top ${shown} of ${p.total.toLocaleString()} templates` : `${p.total} template${p.total === 1 ? '' : 's'}`;
  const flagged = p.templates.filter((t) => t.bursting || t.isNew).length;
  return h(
    'div',
    { class: 'patterns-program', dataset: { program: p.program } },
    h(
      'h3',
      {},
      p.program,
      ' ',
      h(
        'span',
        { class: 'muted' },
        `${more} · ${p.mined.toLocaleString()} lines mined${p.shedLines ? ` · ${p.shedLines.toLocaleString()} shed` : ''}`,
      ),
      flagged ? h('span', { class: 'sr-only' }, ` · ${flagged} new or bursting`) : null,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack patterns' },
        h('caption', { class: 'sr-only' }, `Top ${top} log templates of ${p.program}: bursting and new first, then by rate`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['State', 'Template', 'Level', 'Per minute', 'Count', 'Id'].map((c) =>
              h('th', { scope: 'col', class: c === 'Per minute' || c === 'Count' ? 'num' : undefined }, c),
            ),
          ),
        ),
        h('tbody', {}, p.templates.map(row)),
      ),
    ),
  );
}

export function renderPatterns(root, s) {
  const p = s.patterns;
  if (!p) return;
  const key = JSON.stringify(p);
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  if (!p.available) return root.replaceChildren(h('p', { class: 'empty' }, `Not available: ${p.reason}.`));
  const mined = p.programs.filter((x) => x.templates.length);
  if (mined.length === 0) return root.replaceChildren(h('p', { class: 'empty' }, 'No log line mined yet.'));
  root.replaceChildren(...mined.map((x) => program(x, p.top)));
}
