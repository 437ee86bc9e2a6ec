// Incidents: open ones first, each with what it is, how big, its probable cause and runbook, and
// the three things a person does with one: acknowledge, resolve (optionally teaching the
// knowledge base), or mark it not valid (which counts against the rule that raised it).
import { api } from './api.js';
import { badge, fmtAgo, h, reconcile, setText, toast, updateBadge } from './dom.js';

const ORDER = { open: 0, acknowledged: 1, resolved: 2 };
const SEV = { critical: 0, error: 1, warning: 2, info: 3 };

function action(button, id, verb, body) {
  button.disabled = true;
  return api('POST', `/api/v1/incidents/${id}/${verb}`, body)
    .then((r) => {
      toast(
        `incident ${id} ${
          verb === 'ack' ? 'acknowledged' : verb === 'invalid' ? 'marked not valid' : 'resolved'
        }${r.learned ? `; learned into ${r.learned.file} as '${r.learned.entry.id}'` : ''}`,
      );
      return true;
    })
    .catch((err) => {
      toast(`incident ${id}: ${err.message}`, true);
      return false;
    })
    .finally(() => (button.disabled = false));
}

function create(i) {
  const el = h('article', { class: 'incident', 'aria-labelledby': `inc-${i.id}` });
  const sev = badge(i.severity);
  const st = badge(i.state);
  const title = h('span', { class: 'title', id: `inc-${i.id}` });
  const meta = h('div', { class: 'meta' });
  const cause = h('div', { class: 'cause' });
  const runbook = h('ol', { class: 'runbook', 'aria-label': 'runbook' });
  const forms = h('div');
  const ack = h(
    'button',
    { type: 'button', onclick: (e) => void action(e.currentTarget, i.id, 'ack', { by: 'dashboard' }) },
    'Acknowledge',
  );
  const resolve = h('button', { type: 'button', class: 'primary', onclick: () => showForm('resolve') }, 'Resolve…');
  const invalid = h('button', { type: 'button', onclick: () => showForm('invalid') }, 'Not valid…');
  const buttons = h('div', { class: 'actions' }, ack, resolve, invalid);
  el.append(h('div', { class: 'incident-head' }, sev, st, title), meta, cause, runbook, buttons, forms);
  function showForm(kind) {
    if (forms.firstChild?.dataset.kind === kind) return forms.firstChild.querySelector('input').focus();
    const text = h('input', {
      type: 'text',
      required: true,
      placeholder: kind === 'resolve' ? 'What was wrong (the cause)' : 'Why it is not a real problem',
      'aria-label': kind === 'resolve' ? 'cause' : 'reason',
    });
    const learn = h('input', { type: 'checkbox', id: `learn-${i.id}` });
    const submit = h('button', { type: 'submit', class: 'primary' }, kind === 'resolve' ? 'Resolve' : 'Mark not valid');
    const form = h(
      'form',
      { class: 'inline', dataset: { kind } },
      text,
      kind === 'resolve' ? h('label', { for: `learn-${i.id}` }, learn, ' add to knowledge base') : null,
      submit,
      h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = text.value.trim();
      if (!v) return text.focus();
      const body =
        kind === 'resolve' ? { by: 'dashboard', cause: v, ...(learn.checked ? { learn: true } : {}) } : { by: 'dashboard', reason: v };
      if (await action(submit, i.id, kind, body)) form.remove();
    });
    forms.replaceChildren(form);
    text.focus();
  }
  el._ = { sev, st, title, meta, cause, runbook, buttons, ack };
  return el;
}

function update(el, i) {
  const c = el._;
  el.className = `incident sev-${i.severity}${i.state === 'resolved' ? ' resolved' : ''}`;
  el.dataset.state = i.state;
  el.dataset.program = i.program ?? '';
  updateBadge(c.sev, i.severity);
  updateBadge(c.st, i.state);
  setText(c.title, `#${i.id} ${i.category}: ${i.summary}`);
  c.meta.replaceChildren(
    ...[
      h('span', {}, 'program ', h('b', {}, i.program ?? '–')),
      h('span', {}, h('b', {}, `${i.count}×`), ` since ${fmtAgo(i.firstSeen)}`),
      h('span', {}, 'last ', h('b', {}, fmtAgo(i.lastSeen))),
      h('span', {}, 'owner ', h('b', {}, i.owner ?? 'nobody')),
      h('span', {}, 'rule ', h('b', { class: 'mono' }, i.rule)),
      i.ackedBy ? h('span', {}, 'acknowledged by ', h('b', {}, i.ackedBy)) : null,
      i.resolution ? h('span', {}, 'resolution ', h('b', {}, i.resolution), i.cause ? `: ${i.cause}` : '') : null,
    ].filter(Boolean),
  );
  const pc = i.probableCause;
  c.cause.hidden = !pc;
  c.cause.dataset.basis = pc?.basis ?? '';
  if (pc)
    c.cause.replaceChildren(
      h('b', {}, 'Probable cause: '),
      h('span', { class: 'cause-program' }, pc.program ?? 'unknown'),
      ` — ${pc.why}`,
      ...(pc.basis === 'origin' ? [h('span', { class: 'muted' }, ' (from where the signals came; no ranking yet)')] : []),
      ...(pc.affected?.length ? [h('span', { class: 'affected' }, ` · affected: ${pc.affected.join(', ')}`)] : []),
    );
  c.runbook.hidden = i.runbook.length === 0;
  c.runbook.replaceChildren(...i.runbook.map((step) => h('li', {}, step)));
  c.buttons.hidden = i.state === 'resolved';
  c.ack.disabled = i.state !== 'open';
}

export function renderIncidents(root, s) {
  if (s.config && !s.config.incidents) {
    if (!root.dataset.off) {
      root.dataset.off = '1';
      root.replaceChildren(
        h(
          'p',
          { class: 'empty' },
          'The incident loop is off: add an ',
          h('code', {}, 'incidents:'),
          ' section to the config (docs/incidents.md) and restart the daemon.',
        ),
      );
    }
    return;
  }
  let list = root.querySelector('.incidents');
  if (!list) {
    list = h('div', { class: 'incidents' });
    root.replaceChildren(h('p', { class: 'empty', hidden: true }, 'No incidents in the last day: all quiet.'), list);
  }
  const items = [...s.incidents].sort(
    (a, b) =>
      ORDER[a.state] - ORDER[b.state] ||
      (a.state === 'resolved' ? b.lastSeen - a.lastSeen : SEV[a.severity] - SEV[b.severity] || b.lastSeen - a.lastSeen),
  );
  root.querySelector('.empty').hidden = items.length > 0;
  reconcile(list, items, (i) => i.id, create, update);
}
