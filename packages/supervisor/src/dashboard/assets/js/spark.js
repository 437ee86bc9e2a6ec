// Sparklines on canvas: a line and a faint area, scaled to the window's own range, drawn at the
// screen's pixel density. ~60 lines instead of a chart library per table cell: a page with 50
// programs draws 100 of these every second in well under a millisecond each.

const colours = new Map();
function colour(name) {
  // CSS variables, read once per theme change.
  if (!colours.has(name)) colours.set(name, getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888');
  return colours.get(name);
}
export function forgetColours() {
  colours.clear();
}

export function sparkline(values, colourVar, { min = 0 } = {}) {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('aria-hidden', 'true');
  drawSpark(canvas, values, colourVar, { min });
  return canvas;
}

export function drawSpark(canvas, values, colourVar, { min = 0, span = 300 } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 90;
  const hgt = canvas.clientHeight || 24;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(hgt * dpr)) canvas.height = Math.round(hgt * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  if (!values || values.length < 2) return;
  let lo = min;
  let hi = -Infinity;
  for (const v of values)
    if (v !== null) {
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
  if (hi === -Infinity) return;
  if (hi - lo < 1e-9) hi = lo + 1;
  // A fixed time span: a minute of data fills the right fifth, not the whole width.
  const n = values.length;
  const total = Math.max(n, span);
  const x = (i) => ((total - n + i) / (total - 1)) * (w - 2) + 1;
  const y = (v) => hgt - 2 - ((v - lo) / (hi - lo)) * (hgt - 4);
  const c = colour(colourVar);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = c;
  ctx.fillStyle = c;
  ctx.beginPath();
  let started = false;
  let firstX = 0;
  let lastX = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) continue;
    if (!started) {
      ctx.moveTo(x(i), y(v));
      firstX = x(i);
      started = true;
    } else ctx.lineTo(x(i), y(v));
    lastX = x(i);
  }
  ctx.stroke();
  ctx.lineTo(lastX, hgt);
  ctx.lineTo(firstX, hgt);
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fill();
  ctx.globalAlpha = 1;
}
