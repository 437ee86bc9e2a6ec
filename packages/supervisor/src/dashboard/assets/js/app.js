// The page: one event stream from the daemon (a snapshot, then a tick a second and events the
// moment they happen), one state object, and a render per panel that updates what changed.
import { api, session } from './api.js';
import { fmtBytes, fmtDuration, h, setText, toast } from './dom.js';
import { renderPrograms, programEvent } from './programs.js';
import { renderIncidents } from './incidents.js';
import { renderProtection } from './protection.js';
import { renderFailover } from './failover.js';
import { renderAlerts } from './alerts.js';
import { renderPatterns } from './patterns.js';
import { renderSummary } from './summary.js';
import { forgetColours } from './spark.js';

const SPARK = 300;

export const state = {
  live: false,
  programs: [],
  series: {},
  guard: [],
  failover: null,
  incidents: [],
  alerts: [],
  reloads: {},
  patterns: null,
  config: null,
  daemon: null,
  /** The daemon's clock minus ours, so ages and countdowns agree with its times. */
  skew: 0,
};

const $ = (id) => document.getElementById(id);

function renderAll() {
  renderSummary($('summary'), state);
  renderPrograms($('programs-body'), state);
  renderPatterns($('patterns-body'), state);
  renderIncidents($('incidents-body'), state);
  renderProtection($('protection-body'), state);
  renderFailover($('failover-body'), state);
  renderAlerts($('alerts-body'), state);
  const open = state.incidents.filter((i) => i.state !== 'resolved').length;
  setText($('nav-incidents'), open ? String(open) : '');
  const d = state.daemon;
  if (d) setText($('daemon'), `daemon pid ${d.pid} · up ${fmtDuration(d.uptimeMs)} · ${fmtBytes(d.rssBytes)}`);
}

function pushValues(values, now) {
  const sec = Math.floor(now / 1000) * 1000;
  for (const [id, v] of Object.entries(values)) {
    let s = state.series[id];
    if (!s) s = state.series[id] = { start: sec, step: 1000, values: [] };
    const end = s.start + s.values.length * 1000;
    // A missed tick leaves a gap (null), not a line drawn across it.
    for (let t = end; t < sec && s.values.length < SPARK * 2; t += 1000) s.values.push(null);
    if (end <= sec) s.values.push(v);
    if (s.values.length > SPARK) {
      const drop = s.values.length - SPARK;
      s.values.splice(0, drop);
      s.start += drop * 1000;
    }
  }
}

function setConn(kind, text) {
  const c = $('conn');
  c.className = `conn ${kind}`;
  setText(c.querySelector('.conn-text'), text);
}

function connect() {
  const es = new EventSource('/api/stream');
  es.addEventListener('snapshot', (m) => {
    const s = JSON.parse(m.data);
    Object.assign(state, {
      live: true,
      programs: s.programs,
      series: s.series,
      guard: s.guard,
      failover: s.failover,
      incidents: s.incidents,
      alerts: s.alerts,
      reloads: Object.fromEntries(s.reloads.map((r) => [r.program, r])),
      patterns: s.patterns,
      config: s.config,
      daemon: s.daemon,
      skew: s.now - Date.now(),
    });
    setText($('where'), s.config.file);
    setConn('live', 'live');
    renderAll();
    if (!document.body.dataset.live) {
      document.body.dataset.live = '1';
      performance.mark('holdfast-live');
    }
  });
  es.addEventListener('tick', (m) => {
    const t = JSON.parse(m.data);
    state.programs = t.programs;
    state.guard = t.guard;
    state.failover = t.failover;
    state.daemon = t.daemon;
    state.skew = t.now - Date.now();
    pushValues(t.values, t.now);
    renderAll();
  });
  es.addEventListener('event', (m) => {
    const e = JSON.parse(m.data);
    if (e.reload) state.reloads[e.reload.program] = e.reload;
    if (e.row) {
      const i = state.programs.findIndex((p) => p.key === e.row.key);
      if (i >= 0) state.programs[i] = e.row;
      else state.programs.push(e.row);
    }
    programEvent($('programs-body'), state, e);
  });
  es.addEventListener('incidents', (m) => {
    state.incidents = JSON.parse(m.data).incidents;
    renderIncidents($('incidents-body'), state);
    renderSummary($('summary'), state);
  });
  es.addEventListener('patterns', (m) => {
    state.patterns = JSON.parse(m.data);
    renderPatterns($('patterns-body'), state);
  });
  es.addEventListener('alerts', (m) => {
    state.alerts = JSON.parse(m.data).rules;
    renderAlerts($('alerts-body'), state);
  });
  es.onerror = async () => {
    setConn('down', 'reconnecting…');
    // A stream that fails because the session ended would retry forever: ask once.
    try {
      await session();
    } catch (err) {
      if (err.status === 401) {
        es.close();
        setConn('down', 'signed out');
        document.body.replaceChildren(
          h(
            'main',
            { class: 'signed-out' },
            h('h1', {}, 'Signed out'),
            h('p', {}, 'The session ended. Run holdfast dashboard -c <config> and open the link it prints.'),
          ),
        );
      }
    }
  };
}

function setupTheme() {
  const btn = $('theme');
  const modes = ['auto', 'light', 'dark'];
  let mode = localStorage.getItem('holdfast-theme') ?? 'auto';
  const apply = () => {
    if (mode === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = mode;
    btn.textContent = `Theme: ${mode}`;
    forgetColours();
    if (state.live) renderAll();
  };
  btn.addEventListener('click', () => {
    mode = modes[(modes.indexOf(mode) + 1) % modes.length];
    localStorage.setItem('holdfast-theme', mode);
    apply();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    forgetColours();
    if (state.live) renderAll();
  });
  apply();
}

function setupNav() {
  const links = [...document.querySelectorAll('.tabs a')];
  const obs = new IntersectionObserver(
    (entries) => {
      for (const e of entries)
        if (e.isIntersecting) for (const a of links) a.classList.toggle('on', a.getAttribute('href') === `#${e.target.id}`);
    },
    { rootMargin: '-45% 0px -50% 0px' },
  );
  for (const a of links) obs.observe(document.querySelector(a.getAttribute('href')));
}

async function main() {
  setupTheme();
  setupNav();
  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => {});
    location.reload();
  });
  // The stream does not need the CSRF token: both start at once.
  connect();
  await session().catch((err) => toast(`cannot read the session: ${err.message}`, true));
}

void main();
