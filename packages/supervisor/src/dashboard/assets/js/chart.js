// Time-series charts (request rates over 5 minutes, an hour or a day) with uPlot, vendored from
// its npm package (vendor/, MIT licence beside it) and loaded only when a chart is first opened,
// so the first render does not wait for it.
import { api } from './api.js';
import { h } from './dom.js';

let loading;
function loadUplot() {
  loading ??= new Promise((resolve, reject) => {
    const css = h('link', { rel: 'stylesheet', href: '/vendor/uPlot.min.css' });
    const js = h('script', { src: '/vendor/uPlot.iife.min.js' });
    js.addEventListener('load', () => resolve(window.uPlot));
    js.addEventListener('error', () => reject(new Error('cannot load the chart library')));
    document.head.append(css, js);
  });
  return loading;
}

const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A chart of `series` ([{id, label, colour}]) that refreshes itself while it is in the page.
 * Returns the element; removing it from the page stops the refresh.
 */
export function rateChart(title, series, unit = '/s') {
  const box = h('div', { class: 'chart-box' });
  const plot = h('div', { class: 'chart-plot' });
  const buttons = ['5m', '1h', '1d'].map((r) =>
    h('button', { type: 'button', 'aria-pressed': String(r === '5m'), onclick: () => setRange(r) }, r),
  );
  box.append(
    h(
      'div',
      { class: 'chart-head' },
      h('strong', {}, title),
      h('span', { class: 'seg', role: 'group', 'aria-label': 'time range' }, ...buttons),
      h('button', { type: 'button', class: 'ghost', onclick: () => box.remove(), 'aria-label': 'Close chart' }, 'Close'),
    ),
    plot,
  );
  let range = '5m';
  let u;
  let timer;
  const draw = async () => {
    if (!box.isConnected && u) return stop();
    const uPlot = await loadUplot();
    const r = await api('GET', `/api/history?range=${range}&series=${series.map((s) => encodeURIComponent(s.id)).join(',')}`);
    const first = Object.values(r.series)[0];
    if (!first) return plot.replaceChildren(h('p', { class: 'empty' }, 'No history yet.'));
    const xs = first.values.map((_, i) => (first.start + i * first.step) / 1000);
    const data = [xs, ...series.map((s) => r.series[s.id]?.values ?? xs.map(() => null))];
    const width = Math.max(260, plot.clientWidth || box.clientWidth - 16);
    if (!u || u._range !== range) {
      u?.destroy();
      const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line'), width: 1 }, ticks: { stroke: cssVar('--line') } };
      u = new uPlot(
        {
          width,
          height: 180,
          scales: { y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1)] } },
          axes: [axis, { ...axis, values: (_u, vals) => vals.map((v) => `${v}${unit}`), size: 60 }],
          series: [
            {},
            ...series.map((s) => ({
              label: s.label,
              stroke: cssVar(s.colour),
              width: 1.5,
              points: { show: false },
              value: (_u, v) => (v === null ? '–' : `${v.toFixed(2)}${unit}`),
            })),
          ],
          legend: { live: true },
        },
        data,
        plot,
      );
      u._range = range;
    } else u.setData(data);
    if (u.width !== width) u.setSize({ width, height: 180 });
  };
  const stop = () => clearInterval(timer);
  const setRange = (r) => {
    range = r;
    buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.textContent === r)));
    void draw();
  };
  timer = setInterval(() => void draw().catch(() => {}), 5000);
  setTimeout(() => void draw().catch((err) => plot.replaceChildren(h('p', { class: 'empty' }, err.message))), 0);
  return box;
}
