// The live log tail of one instance, under the programs table: the last 200 lines, then each new
// line as it is written, each with the template the daemon's log mining gave it. It follows the
// end while you are at the end, and stays put while you scroll back.
import { api } from './api.js';
import { h, setText, toast } from './dom.js';

const MAX_LINES = 1000;
let current = null;

function lineEl(l) {
  return h(
    'div',
    { class: `log-line ${l.stream}` },
    h('span', { class: 'text' }, l.text),
    h(
      'span',
      {
        class: 'tpl',
        dataset: l.templateId ? { template: l.templateId } : {},
        title: l.template ? `template ${l.templateId}: ${l.template}` : 'no template yet (not mined, or a stack trace continuing)',
      },
      l.template ?? '',
    ),
  );
}

export function closeLogs() {
  current?.es.close();
  current = null;
  const box = document.getElementById('logs');
  box.hidden = true;
  box.replaceChildren();
  for (const tr of document.querySelectorAll('tr.inst.selected')) tr.classList.remove('selected');
}

export async function openLogs(instance) {
  closeLogs();
  const box = document.getElementById('logs');
  const lines = h('div', { class: 'log-lines', tabindex: '0', role: 'log', 'aria-label': `Log of ${instance}`, 'aria-live': 'off' });
  const status = h('span', { class: 'muted' }, 'loading…');
  const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
  box.replaceChildren(
    h(
      'div',
      { class: 'logs-head' },
      h('h3', {}, `Log of `, h('span', { class: 'mono' }, instance)),
      status,
      h('span', { class: 'actions' }, pause, h('button', { type: 'button', onclick: closeLogs }, 'Close')),
    ),
    lines,
  );
  box.hidden = false;
  for (const tr of document.querySelectorAll(`tr.inst[data-instance="${CSS.escape(instance)}"]`)) tr.classList.add('selected');
  let paused = false;
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
  });
  const add = (batch) => {
    const atEnd = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 30;
    lines.append(...batch.map(lineEl));
    while (lines.childElementCount > MAX_LINES) lines.firstElementChild.remove();
    if (atEnd && !paused) lines.scrollTop = lines.scrollHeight;
  };
  try {
    const r = await api('GET', `/api/logs?instance=${encodeURIComponent(instance)}&lines=200`);
    add(r.lines);
    lines.scrollTop = lines.scrollHeight;
    const mined = r.lines.some((l) => l.template);
    setText(status, mined ? "live · templates from the daemon's log mining" : 'live · templates appear when the daemon mines logs');
  } catch (err) {
    toast(`log of ${instance}: ${err.message}`, true);
    setText(status, err.message);
    return;
  }
  const es = new EventSource(`/api/logs/stream?instance=${encodeURIComponent(instance)}`);
  current = { es, instance };
  es.addEventListener('lines', (m) => {
    if (!paused) add(JSON.parse(m.data));
  });
  box.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  lines.focus({ preventScroll: true });
}
