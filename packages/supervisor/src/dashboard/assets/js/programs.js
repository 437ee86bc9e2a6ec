// Programs: one row per instance under its program's row, state as a badge (colour, glyph, word),
// CPU and memory sparklines, the last exit, and the actions. A supervisor event updates its row
// at once and flashes the state that changed.
import { api } from './api.js';
import { badge, exitText, fmtBytes, fmtDuration, h, reconcile, setText, toast, updateBadge } from './dom.js';
import { drawSpark } from './spark.js';
import { openLogs } from './logs.js';

let table;
let tbody;

const COLUMNS = ['Instance', 'State', 'PID', 'Uptime', 'Restarts', 'CPU', 'Memory', 'Last exit', ''];

function act(button, verb, targets) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = `${verb}…`;
  api('POST', `/api/v1/${verb}`, { targets, timeoutMs: 60000 })
    .then((r) => {
      if (r.timedOut?.length) toast(`${verb} ${targets.join(', ')}: ${r.timedOut.join(', ')} had not settled after 60 s`, true);
    })
    .catch((err) => toast(`${verb} ${targets.join(', ')}: ${err.message}`, true))
    .finally(() => {
      button.disabled = false;
      button.textContent = label;
    });
}

function reload(button, program) {
  button.disabled = true;
  api('POST', '/api/v1/reload', { program })
    .then((r) => toast(`${program} reloaded: ${r.replaced.length} instance(s) replaced in ${(r.durationMs / 1000).toFixed(1)} s`))
    .catch((err) => toast(`reload ${program}: ${err.message}`, true))
    .finally(() => (button.disabled = false));
}

function groupRow(program) {
  const name = h('span', { class: 'pname' });
  const info = h('span', { class: 'muted pinfo' });
  const progress = h(
    'span',
    { class: 'progress', hidden: true },
    h(
      'span',
      { class: 'bar', role: 'progressbar', 'aria-label': `reload of ${program}`, 'aria-valuemin': 0, 'aria-valuemax': 100 },
      h('i'),
    ),
    h('span', { class: 'ptext' }),
  );
  const buttons = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', onclick: (e) => act(e.currentTarget, 'start', [program]), 'aria-label': `Start ${program}` }, 'Start'),
    h('button', { type: 'button', onclick: (e) => act(e.currentTarget, 'stop', [program]), 'aria-label': `Stop ${program}` }, 'Stop'),
    h(
      'button',
      { type: 'button', onclick: (e) => act(e.currentTarget, 'restart', [program]), 'aria-label': `Restart ${program}` },
      'Restart',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'primary reload',
        onclick: (e) => reload(e.currentTarget, program),
        'aria-label': `Rolling reload of ${program}`,
      },
      'Reload',
    ),
  );
  const tr = h(
    'tr',
    { class: 'group', dataset: { program } },
    h('td', { colspan: COLUMNS.length - 1, class: 'no-label' }, name, ' ', info, ' ', progress),
    h('td', { class: 'no-label' }, buttons),
  );
  tr._ = { name, info, progress };
  return tr;
}

function updateGroup(tr, { program }, state) {
  const { name, info, progress } = tr._;
  setText(name, program);
  const cfg = state.config?.programs?.[program];
  const insts = state.programs.filter((p) => p.program === program && p.role !== 'old');
  const ready = insts.filter((p) => p.state === 'READY').length;
  setText(
    info,
    `${ready}/${cfg?.instances ?? insts.length} ` +
      `ready${cfg?.listen?.length ? ` ` + `· ${cfg.listen.join(', ')}` : ''}${cfg?.group ? ` · group ${cfg.group}` : ''}`,
  );
  const r = state.reloads[program];
  const recent = r && (!r.done || Date.now() + state.skew - Date.parse(r.at) < 60000);
  progress.hidden = !recent;
  if (recent) {
    const pct = Math.round((r.replaced / r.total) * 100);
    const bar = progress.querySelector('.bar');
    bar.classList.toggle('bad', r.ok === false);
    bar.setAttribute('aria-valuenow', String(pct));
    bar.firstChild.style.width = `${pct}%`;
    const text = r.done
      ? r.ok
        ? `reload done: ${r.replaced}/${r.total} replaced`
        : `reload failed: ${r.detail ?? r.phase}`
      : `reloading ${r.replaced}/${r.total}: ${r.phase.replace('instance-', '')}${r.instance ? ` ${r.instance}` : ''}`;
    setText(progress.querySelector('.ptext'), text);
    progress.dataset.phase = r.phase;
  }
  tr.querySelector('.reload').disabled = !!(r && !r.done);
}

function cell(label, ...children) {
  return h('td', { 'data-label': label }, ...children);
}

function spark(colour) {
  const canvas = h('canvas', { 'aria-hidden': 'true' });
  const value = h('span');
  const td = h('td', { class: 'num', 'data-label': colour === 'cpu' ? 'CPU' : 'Memory' }, h('div', { class: 'spark' }, canvas, value));
  td._ = { canvas, value };
  return td;
}

function instRow(p) {
  const id = h('span', { class: 'mono' });
  const st = badge(p.state);
  const cells = {
    st,
    id,
    pid: cell('PID'),
    up: cell('Uptime'),
    restarts: cell('Restarts'),
    cpu: spark('cpu'),
    mem: spark('mem'),
    exit: cell('Last exit'),
  };
  cells.pid.className = cells.up.className = cells.restarts.className = 'num';
  cells.exit.classList.add('wrap-text');
  const actions = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', class: 'logs-btn', onclick: () => openLogs(p.id) }, 'Logs'),
    h('button', { type: 'button', onclick: (e) => act(e.currentTarget, 'restart', [p.id]), 'aria-label': `Restart ${p.id}` }, 'Restart'),
  );
  const tr = h(
    'tr',
    { class: 'inst' },
    cell('Instance', id),
    cell('State', st),
    cells.pid,
    cells.up,
    cells.restarts,
    cells.cpu,
    cells.mem,
    cells.exit,
    h('td', { class: 'no-label' }, actions),
  );
  tr._ = cells;
  return tr;
}

function updateInst(tr, p, state) {
  const c = tr._;
  setText(c.id, p.role ? `${p.key} (${p.role === 'new' ? 'new' : 'draining'})` : p.id);
  const prev = tr.dataset.state;
  updateBadge(c.st, p.state);
  if (prev && prev !== p.state) {
    c.st.classList.remove('flash');
    void c.st.offsetWidth;
    c.st.classList.add('flash');
  }
  tr.dataset.state = p.state;
  tr.dataset.pid = String(p.pid ?? '');
  tr.dataset.restarts = String(p.restarts);
  tr.dataset.instance = p.id;
  tr.classList.toggle('old', p.role === 'old');
  setText(c.pid, p.pid ?? '–');
  setText(c.up, p.uptimeMs === null ? '–' : fmtDuration(p.uptimeMs));
  setText(c.restarts, p.restarts);
  const cpu = state.series[`cpu|${p.id}`];
  const mem = state.series[`mem|${p.id}`];
  setText(c.cpu._.value, p.cpuPercent === null ? '–' : `${p.cpuPercent.toFixed(1)} %`);
  setText(c.mem._.value, fmtBytes(p.memoryBytes));
  if (p.role !== 'old') {
    drawSpark(c.cpu._.canvas, cpu?.values, '--spark-cpu');
    drawSpark(c.mem._.canvas, mem?.values, '--spark-mem');
  }
  const why =
    p.state === 'FATAL'
      ? p.fatalReason
      : p.waitingFor?.length
        ? `waiting for ${p.waitingFor.join(', ')}`
        : p.state === 'BACKOFF' && p.retryAt
          ? `retry in ${fmtDuration(Math.max(0, Date.parse(p.retryAt) - Date.now() - state.skew))}`
          : exitText(p.lastExit);
  setText(c.exit, why || '–');
}

export function renderPrograms(root, state) {
  if (!table) {
    tbody = h('tbody');
    table = h(
      'table',
      { class: 'stack programs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((c, i) => h('th', { class: i >= 2 && i <= 6 ? 'num' : undefined, scope: 'col' }, c)),
        ),
      ),
      tbody,
    );
    root.replaceChildren(h('div', { class: 'table-wrap' }, table));
  }
  const items = [];
  const programs = Object.keys(state.config?.programs ?? {});
  for (const p of state.programs) if (!programs.includes(p.program)) programs.push(p.program);
  for (const program of programs) {
    items.push({ kind: 'g', program });
    for (const p of state.programs.filter((x) => x.program === program).sort((a, b) => a.index - b.index || (a.role === 'old' ? -1 : 1)))
      items.push({ kind: 'i', p });
  }
  reconcile(
    tbody,
    items,
    (it) => (it.kind === 'g' ? `g:${it.program}` : `i:${it.p.key}`),
    (it) => (it.kind === 'g' ? groupRow(it.program) : instRow(it.p)),
    (el, it) => (it.kind === 'g' ? updateGroup(el, it, state) : updateInst(el, it.p, state)),
  );
}

/** A supervisor event: redraw the rows now (the tick may be up to a second away). */
export function programEvent(root, state) {
  renderPrograms(root, state);
}
