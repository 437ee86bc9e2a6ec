// Request protection: per guarded program, each resource's pass, block and error rates (summed
// over its instances), the breakers' states per instance, and a chart on demand; below, the
// rules files, editable (rules.js).
import { badge, fmtRate, h, reconcile, setText, updateBadge } from './dom.js';
import { drawSpark } from './spark.js';
import { rateChart } from './chart.js';
import { renderRules } from './rules.js';

function resourceRow(r, program) {
  const cells = ['pass', 'block', 'error', 'inflight', 'rt'].map((k) =>
    h('td', {
      class: `num rate-${k}`,
      'data-label': { pass: 'Pass/s', block: 'Blocked/s', error: 'Errors/s', inflight: 'In flight', rt: 'Mean RT' }[k],
    }),
  );
  const canvas = h('canvas', { 'aria-hidden': 'true' });
  const by = h('span', { class: 'muted' });
  const chart = h('button', { type: 'button', 'aria-label': `Chart of ${r.resource}` }, 'Chart');
  const tr = h(
    'tr',
    {},
    h('td', { 'data-label': 'Resource' }, h('span', { class: 'mono' }, r.resource), ' ', by),
    ...cells,
    h('td', { class: 'num', 'data-label': 'Trend' }, h('div', { class: 'spark' }, canvas)),
    h('td', { class: 'no-label' }, chart),
  );
  chart.addEventListener('click', () => {
    const box = tr.closest('.guard-program').querySelector('.charts');
    const id = (k) => `guard|${program}|${r.resource}|${k}`;
    box.prepend(
      rateChart(`${program} ${r.resource}`, [
        { id: id('pass'), label: 'pass', colour: '--pass' },
        { id: id('block'), label: 'blocked', colour: '--block' },
        { id: id('error'), label: 'errors', colour: '--error' },
      ]),
    );
  });
  tr._ = { cells, canvas, by };
  return tr;
}

function updateResource(tr, r, program, state) {
  const [pass, block, error, inflight, rt] = tr._.cells;
  setText(pass, fmtRate(r.pass));
  setText(block, fmtRate(r.block));
  setText(error, fmtRate(r.error));
  setText(inflight, r.inflight);
  setText(rt, r.rtMs === null ? '–' : `${r.rtMs < 10 ? r.rtMs.toFixed(1) : Math.round(r.rtMs)} ms`);
  const reasons = Object.entries(r.blockBy).map(([k, v]) => `${k} ${fmtRate(v)}/s`);
  setText(tr._.by, reasons.length ? `blocked by ${reasons.join(', ')}` : '');
  drawSpark(tr._.canvas, state.series[`guard|${program}|${r.resource}|pass`]?.values, '--pass');
}

function programBox(g) {
  const title = h('span', { class: 'muted' });
  const inst = h('span', { class: 'actions' });
  const tbody = h('tbody');
  const breakers = h('div', { class: 'breakers' });
  const unused = h('p', { class: 'hint unused' });
  const el = h(
    'div',
    { class: 'guard-program', dataset: { program: g.program } },
    h('h3', {}, h('span', {}, g.program), title, inst),
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
            ['Resource', 'Pass/s', 'Blocked/s', 'Errors/s', 'In flight', 'Mean RT', 'Pass, 5 min', ''].map((c, i) =>
              h('th', { class: i > 0 && i < 7 ? 'num' : undefined, scope: 'col' }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
    unused,
    breakers,
    h('div', { class: 'charts' }),
  );
  el._ = { title, inst, tbody, breakers, unused };
  return el;
}

function updateProgram(el, g, state) {
  const c = el._;
  setText(c.title, `${g.instances.length} instance(s)${g.rulesFile ? ` · rules ${g.rulesFile.split('/').pop()}` : ''}`);
  reconcile(
    c.inst,
    g.instances,
    (i) => i.id,
    (i) => badge(i.ok && !i.error ? 'healthy' : 'unhealthy', i.id),
    (b, i) => {
      updateBadge(b, i.ok && !i.error ? 'healthy' : 'unhealthy', `${i.id}${i.ok && !i.error ? '' : ' unreadable'}`);
      b.title = i.error ?? `reading ${i.url}${i.swaps !== null ? ` · ${i.swaps} rule swaps, ${i.rejects} rejected files` : ''}`;
    },
  );
  // Every service loads the whole rules file: resources of other services' routes never see a call here.
  const used = g.resources.filter((r) => r.total > 0 || r.inflight > 0);
  setText(
    c.unused,
    g.resources.length > used.length
      ? `${g.resources.length - used.length} guarded resource(s) without a call yet: ${g.resources
          .filter((r) => !used.includes(r))
          .map((r) => r.resource)
          .join(', ')}`
      : '',
  );
  if (used.length === 0 && !c.tbody.querySelector('.none'))
    c.tbody.replaceChildren(
      h('tr', { class: 'none' }, h('td', { colspan: 8, class: 'empty no-label' }, 'No guarded resource has seen a call yet.')),
    );
  else if (used.length) {
    c.tbody.querySelector('.none')?.remove();
    reconcile(
      c.tbody,
      used,
      (r) => r.resource,
      (r) => resourceRow(r, g.program),
      (tr, r) => updateResource(tr, r, g.program, state),
    );
  }
  reconcile(
    c.breakers,
    g.breakers,
    (b) => `${b.resource}|${b.rule}`,
    (b) =>
      h(
        'div',
        { class: 'breaker' },
        h('span', { class: 'muted' }, 'breaker '),
        h('span', { class: 'mono' }, `${b.rule}`),
        h('span', { class: 'muted' }, ` on ${b.resource}: `),
        h('span', { class: 'actions' }),
      ),
    (div, b) => {
      const box = div.lastChild;
      reconcile(
        box,
        Object.entries(b.states),
        ([id]) => id,
        ([id, st]) => badge(st, `${id} ${st}`),
        (el, [id, st]) => updateBadge(el, st, `${id} ${st}`),
      );
    },
  );
}

export function renderProtection(root, s) {
  if (!s.config) return;
  if (Object.keys(s.config.guard).length === 0 && s.guard.length === 0) {
    if (!root.dataset.off) {
      root.dataset.off = '1';
      root.replaceChildren(
        h(
          'p',
          { class: 'empty' },
          "No guarded program: services on holdfast's runtime with an admin port (admin: {port: 0}) are found by themselves; others need ",
          h('code', {}, 'programs.<program>.metrics'),
          '. Rules files to edit: ',
          h('code', {}, 'dashboard.guard.<program>.rules'),
          ' (docs/dashboard.md).',
        ),
      );
    }
    return;
  }
  let programs = root.querySelector('.guard-programs');
  if (!programs) {
    programs = h('div', { class: 'guard-programs' });
    root.replaceChildren(programs, h('div', { class: 'rules' }));
  }
  delete root.dataset.off;
  reconcile(
    programs,
    s.guard,
    (g) => g.program,
    programBox,
    (el, g) => updateProgram(el, g, s),
  );
  renderRules(root.querySelector('.rules'), s);
}
