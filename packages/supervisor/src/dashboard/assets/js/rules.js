// The rules table, editable. An edit goes to the daemon, which applies it to the YAML file
// (comments kept), validates the result with the very loader the services use and writes it
// only when it passes; the services' file watchers then load it. A refused edit shows the
// loader's own message, and the file is left as it was. "Enforced now" shows each instance's
// current limit, read from its metrics: it changes when the service has reloaded the file.
import { api } from './api.js';
import { h, toast } from './dom.js';

const KINDS = ['flow', 'breakers', 'hotspot', 'isolation', 'system'];
const KIND_LABEL = { flow: 'Flow', breakers: 'Breaker', hotspot: 'Per key', isolation: 'Bulkhead', system: 'System' };
const MAIN = ['threshold', 'strategy', 'maxConcurrency', 'durationMs', 'metric', 'behavior'];
const files = new Map();

async function load(file) {
  const view = await api('GET', `/api/guard/rules?file=${encodeURIComponent(file)}`);
  files.set(file, { ...view, loadedAt: Date.now() });
  return view;
}

function rulesOf(view) {
  const out = [];
  if (!view.rules) return out;
  for (const kind of KINDS) {
    const v = view.rules[kind];
    if (kind === 'system') {
      if (v && typeof v === 'object') out.push({ kind, id: 'system', rule: v });
    } else for (const rule of v ?? []) out.push({ kind, id: rule.id, rule });
  }
  return out;
}

function settings(rule) {
  return Object.entries(rule)
    .filter(([k]) => k !== 'id' && k !== 'resource')
    .sort(([a], [b]) => (MAIN.indexOf(a) + 1 || 99) - (MAIN.indexOf(b) + 1 || 99))
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' · ');
}

/** Each distinct limit in force, with the instances enforcing it: "200 on gateway:0, gateway:1". */
function enforced(state, id) {
  const by = new Map();
  for (const g of state.guard)
    for (const f of g.flow)
      if (f.rule === id)
        for (const [inst, t] of Object.entries(f.threshold)) {
          const v = `${Math.round(t * 100) / 100}${f.mode[inst] && f.mode[inst] !== 'local' ? ` (${f.mode[inst]})` : ''}`;
          by.set(v, [...(by.get(v) ?? []), inst]);
        }
  return [...by].map(([v, insts]) => `${v} on ${insts.sort().join(', ')}`).join(' · ');
}

/** A value typed in a field: numbers and booleans as such, anything else as text (the validator judges it). */
function parseValue(raw, schema) {
  const t = raw.trim();
  if (t === '') return undefined;
  const types = [schema?.type ?? []].flat();
  if (t === 'true' || t === 'false') return t === 'true';
  if ((types.includes('number') || types.includes('integer') || !types.length) && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(t)) return Number(t);
  return t;
}

function editor(file, view, item, onDone) {
  const kind = item?.kind ?? 'flow';
  const fields = view.fields;
  const form = h('form', { class: 'rule-form', dataset: { kind, id: item?.id ?? '' } });
  const kindSel = item
    ? null
    : h(
        'select',
        { 'aria-label': 'kind' },
        KINDS.filter((k) => k !== 'system' || !view.rules?.system).map((k) => h('option', { value: k }, KIND_LABEL[k])),
      );
  const inputs = new Map();
  const build = (k) => {
    form.replaceChildren();
    inputs.clear();
    if (kindSel) form.append(h('label', {}, 'kind', kindSel));
    const schema = fields[k] ?? {};
    const current = item?.rule ?? {};
    const names = [
      ...new Set([
        ...(k === 'system' ? [] : ['id', 'resource']),
        ...Object.keys(current),
        ...MAIN.filter((n) => n in schema),
        ...Object.keys(schema),
      ]),
    ].filter((n) => n !== '$schema');
    for (const name of names) {
      const s = schema[name] ?? {};
      const cur = current[name];
      let input;
      if (s.enum || s.type === 'boolean') {
        const opts = s.enum ?? [true, false];
        input = h(
          'select',
          { name },
          h('option', { value: '' }, '—'),
          opts.map((o) => h('option', { value: String(o), selected: String(cur) === String(o) }, String(o))),
        );
      } else
        input = h('input', {
          type: 'text',
          name,
          value: cur === undefined ? '' : typeof cur === 'object' ? JSON.stringify(cur) : String(cur),
          inputmode: [s.type].flat().some((t) => t === 'number' || t === 'integer') ? 'decimal' : undefined,
          autocomplete: 'off',
          spellcheck: 'false',
        });
      inputs.set(name, { input, schema: s, set: cur !== undefined });
      const label = h('label', { title: s.description ?? '' }, name, input);
      // Unset optional fields wait behind "all fields", so a rule shows what it says.
      if (cur === undefined && item && !MAIN.includes(name)) label.classList.add('extra');
      form.append(label);
    }
    const error = h('pre', { class: 'error-box', role: 'alert', hidden: true });
    const more = h('button', { type: 'button', onclick: () => form.classList.toggle('all') }, 'All fields');
    const save = h('button', { type: 'submit', class: 'primary' }, item ? 'Save to file' : 'Add to file');
    form.append(
      error,
      h(
        'div',
        { class: 'row-actions' },
        save,
        h('button', { type: 'button', onclick: () => onDone(false) }, 'Cancel'),
        item ? more : null,
        h('span', { class: 'muted' }, `writes ${file.split('/').pop()}; the services reload it`),
      ),
    );
    form._error = error;
    form._save = save;
  };
  build(kind);
  kindSel?.addEventListener('change', () => build(kindSel.value));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = kindSel ? kindSel.value : kind;
    const rule = {};
    for (const [name, { input, schema }] of inputs) {
      const v =
        input.tagName === 'SELECT'
          ? input.value === ''
            ? undefined
            : input.value === 'true'
              ? true
              : input.value === 'false'
                ? false
                : input.value
          : parseValue(input.value, schema);
      if (v !== undefined) rule[name] = v;
    }
    form._save.disabled = true;
    form._error.hidden = true;
    try {
      const v = files.get(file);
      const next = await api('POST', '/api/guard/rules', {
        file,
        version: v.version,
        op: item ? 'set' : 'add',
        kind: k,
        ...(item && k !== 'system' ? { id: item.id } : {}),
        rule,
      });
      files.set(file, { ...next, loadedAt: Date.now() });
      toast(`${k} rule ${rule.id ?? ''} written to ${file.split('/').pop()}; the services reload it`);
      onDone(true);
    } catch (err) {
      // The loader's own words, as the services would log them for the same file.
      form._error.textContent =
        err.code === 'HOLDFAST_E_RULES' || err.code === 'HOLDFAST_E_RULES_FILE'
          ? `Not saved: ${file.split('/').pop()} is unchanged. The rules loader refuses this edit:\n${err.message}`
          : `Not saved: ${err.message}`;
      form._error.hidden = false;
      form._error.focus?.();
      if (err.status === 409) await load(file).catch(() => {});
    } finally {
      form._save.disabled = false;
    }
  });
  return form;
}

function fileBlock(file, programs) {
  const el = h('div', { class: 'rules-file', dataset: { file } });
  el._ = { programs };
  return el;
}

function drawFile(el, file, state) {
  const view = files.get(file);
  const programs = el._.programs;
  const head = h(
    'h3',
    {},
    'Rules ',
    h('span', { class: 'mono' }, file.split('/').pop()),
    h('span', { class: 'muted' }, `loaded by ${programs.join(', ')} · ${file}`),
  );
  if (!view) return el.replaceChildren(head, h('p', { class: 'empty' }, 'reading…'));
  const body = [];
  if (view.invalid)
    body.push(
      h('pre', { class: 'error-box' }, `The file on disk does not load; the services keep their last good rules:\n${view.invalid.message}`),
    );
  const tbody = h('tbody');
  for (const item of rulesOf(view)) {
    const del = h('button', { type: 'button', class: 'danger' }, 'Delete');
    const edit = h('button', { type: 'button' }, 'Edit');
    const tr = h(
      'tr',
      { dataset: { rule: item.id, kind: item.kind } },
      h('td', { 'data-label': 'Kind' }, KIND_LABEL[item.kind]),
      h('td', { 'data-label': 'Id', class: 'mono' }, item.id),
      h('td', { 'data-label': 'Resource', class: 'mono' }, item.rule.resource ?? '–'),
      h('td', { 'data-label': 'Settings', class: 'wrap-text settings' }, settings(item.rule)),
      h('td', { 'data-label': 'Enforced now', class: 'wrap-text enforced' }, enforced(state, item.id) || '–'),
      h('td', { class: 'no-label' }, h('div', { class: 'actions' }, edit, del)),
    );
    edit.addEventListener('click', () => {
      if (tr.nextElementSibling?.classList.contains('editing')) return;
      const row = h('tr', { class: 'editing' }, h('td', { colspan: 6, class: 'no-label' }));
      row.firstChild.append(editor(file, files.get(file), item, (changed) => (changed ? drawFile(el, file, state) : row.remove())));
      tr.after(row);
      row.querySelector('input, select')?.focus();
    });
    del.addEventListener('click', async () => {
      if (del.dataset.confirm !== '1') {
        del.dataset.confirm = '1';
        del.textContent = 'Confirm delete';
        setTimeout(() => {
          del.dataset.confirm = '';
          del.textContent = 'Delete';
        }, 4000);
        return;
      }
      try {
        const next = await api('POST', '/api/guard/rules', {
          file,
          version: files.get(file).version,
          op: 'delete',
          kind: item.kind,
          ...(item.kind === 'system' ? {} : { id: item.id }),
        });
        files.set(file, { ...next, loadedAt: Date.now() });
        toast(`${item.kind} rule ${item.id} removed from ${file.split('/').pop()}`);
        drawFile(el, file, state);
      } catch (err) {
        toast(`not deleted: ${err.message}`, true);
      }
    });
    tbody.append(tr);
  }
  const add = h('button', { type: 'button' }, 'Add a rule');
  const addBox = h('div');
  add.addEventListener('click', () => {
    addBox.replaceChildren(
      editor(file, files.get(file), null, (changed) => (changed ? drawFile(el, file, state) : addBox.replaceChildren())),
    );
    addBox.querySelector('select, input')?.focus();
  });
  const reload = h(
    'button',
    { type: 'button', class: 'ghost', onclick: () => void load(file).then(() => drawFile(el, file, state)) },
    'Re-read file',
  );
  el.replaceChildren(
    head,
    ...body,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack rules-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Kind', 'Id', 'Resource', 'Settings', 'Enforced now', ''].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        tbody,
      ),
    ),
    h('div', { class: 'actions' }, add, reload),
    addBox,
  );
}

export function renderRules(root, state) {
  const byFile = new Map();
  for (const [program, g] of Object.entries(state.config.guard))
    if (g.rules) byFile.set(g.rules, [...(byFile.get(g.rules) ?? []), program]);
  for (const [file, programs] of byFile) {
    let el = root.querySelector(`.rules-file[data-file="${CSS.escape(file)}"]`);
    if (!el) {
      el = fileBlock(file, programs);
      root.append(el);
      drawFile(el, file, state);
      load(file)
        .then(() => drawFile(el, file, state))
        .catch((err) =>
          el.replaceChildren(h('h3', {}, 'Rules ', h('span', { class: 'mono' }, file)), h('pre', { class: 'error-box' }, err.message)),
        );
      continue;
    }
    // Only the live column changes every second; forms being edited are left alone.
    for (const td of el.querySelectorAll('td.enforced')) {
      const id = td.parentElement.dataset.rule;
      const text = enforced(state, id) || '–';
      if (td.textContent !== text) td.textContent = text;
    }
  }
}
