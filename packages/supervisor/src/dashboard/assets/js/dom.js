// Small DOM and formatting helpers: h() builds elements (text is always set as text, never as
// HTML, so nothing a program logs can inject markup), reconcile() updates a keyed list in place
// so focus, open forms and scroll positions survive the once-a-second refresh.

/** h('button', {class: 'x', onclick}, 'text', child…) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Sets text only when it changed (no layout work for the unchanged cells of a refresh). */
export function setText(el, text) {
  const t = String(text ?? '');
  if (el.textContent !== t) el.textContent = t;
}

/**
 * Makes `parent`'s children match `items`, in order: existing elements (by key) are updated,
 * new ones created, missing ones removed.
 */
export function reconcile(parent, items, key, create, update) {
  const existing = new Map();
  for (const el of parent.children) if (el.dataset.key !== undefined) existing.set(el.dataset.key, el);
  let prev = null;
  for (const item of items) {
    const k = String(key(item));
    let el = existing.get(k);
    if (el) existing.delete(k);
    else {
      el = create(item);
      el.dataset.key = k;
    }
    update(el, item);
    const want = prev ? prev.nextElementSibling : parent.firstElementChild;
    if (want !== el) parent.insertBefore(el, want);
    prev = el;
  }
  for (const el of existing.values()) el.remove();
}

export const STATE = {
  READY: ['s-ok', '●'],
  STARTING: ['s-info', '◐'],
  STOPPING: ['s-info', '◑'],
  BACKOFF: ['s-warn', '↻'],
  STOPPED: ['s-idle', '■'],
  EXITED: ['s-idle', '■'],
  FATAL: ['s-bad', '✕'],
  open: ['s-bad', '●'],
  acknowledged: ['s-warn', '◐'],
  resolved: ['s-ok', '✓'],
  critical: ['s-bad', '▲'],
  error: ['s-bad', '▲'],
  warning: ['s-warn', '▲'],
  info: ['s-info', 'i'],
  closed: ['s-ok', '●'],
  halfOpen: ['s-warn', '◐'],
  'half-open': ['s-warn', '◐'],
  leader: ['s-ok', '★'],
  follower: ['s-info', '●'],
  candidate: ['s-warn', '◐'],
  stopped: ['s-idle', '■'],
  keep: ['s-ok', '✓'],
  review: ['s-info', '?'],
  tune: ['s-warn', '~'],
  close: ['s-bad', '✕'],
  healthy: ['s-ok', '●'],
  unhealthy: ['s-bad', '✕'],
  alive: ['s-ok', '●'],
  dead: ['s-bad', '✕'],
  local: ['s-idle', '●'],
  cluster: ['s-info', '●'],
  fallback: ['s-warn', '▲'],
  bursting: ['s-warn', '↑'],
  new: ['s-info', '✦'],
};

/** A badge: its class gives the colour, the glyph and the word say the same without colour. */
export function badge(state, text = state) {
  const [cls, glyph] = STATE[state] ?? (state === 'open' ? ['s-bad', '●'] : ['s-idle', '•']);
  return h('span', { class: `badge ${cls}`, dataset: { glyph } }, text);
}

export function updateBadge(el, state, text = state) {
  const [cls, glyph] = STATE[state] ?? ['s-idle', '•'];
  if (!el.classList.contains(cls)) el.className = `badge ${cls}`;
  el.dataset.glyph = glyph;
  setText(el, text);
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${u[i]}`;
}

export function fmtRate(v) {
  if (v === null || v === undefined) return '–';
  if (v === 0) return '0';
  if (v < 0.1) return v.toFixed(2);
  if (v < 10) return v.toFixed(1);
  return Math.round(v).toLocaleString();
}

export function fmtAgo(ms) {
  if (!ms) return '–';
  const d = Date.now() - ms;
  if (d < 5000) return 'just now';
  return `${fmtDuration(d)} ago`;
}

export function fmtTime(ms) {
  return ms ? new Date(ms).toLocaleString() : '–';
}

export function exitText(x) {
  if (!x) return '';
  const how = x.reason === 'exited' ? `exit ${x.code}` : x.reason === 'signal' ? `killed by ${x.signal}` : x.reason;
  return `${how}${x.detail ? `: ${x.detail}` : ''}, ${fmtAgo(Date.parse(x.at))}`;
}

let toastBox;
/** A short message in the corner; errors stay until dismissed. */
export function toast(text, bad = false) {
  toastBox ??= document.getElementById('toasts');
  const el = h('div', { class: `toast${bad ? ' bad' : ''}`, role: bad ? 'alert' : 'status' }, text);
  el.prepend(h('button', { class: 'ghost toast-close', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  toastBox.append(el);
  if (!bad) setTimeout(() => el.remove(), 4000);
}
