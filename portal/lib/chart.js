// SPDX-License-Identifier: Apache-2.0
// A bar chart drawn on <canvas> (no library): axes, a grid with round
// steps, one bar per value and a label under every few bars.

const COLORS = {
  background: '#ffffff',
  grid: '#e3e7ee',
  axis: '#6b7688',
  text: '#2b3442',
  bar: '#c2410c',
  barZero: '#f3c8b4',
};

/** A round step (1, 2, 5 x 10^n) so that max fits in about 'ticks' steps. */
function niceStep(max, ticks) {
  const raw = Math.max(max, 1) / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * mag >= raw) return Math.max(1, m * mag);
  }
  return Math.max(1, 10 * mag);
}

/**
 * drawBars(canvas, bars, opts): bars = [{label, value}], drawn to fit the
 * canvas's CSS size at the device's pixel ratio. opts.unit names the
 * values for the y axis title. Returns {max} (the largest value).
 */
export function drawBars(canvas, bars, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 600;
  const cssH = canvas.clientHeight || 240;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = COLORS.background;
  g.fillRect(0, 0, cssW, cssH);

  const pad = { left: 44, right: 12, top: 16, bottom: 34 };
  const w = cssW - pad.left - pad.right;
  const hgt = cssH - pad.top - pad.bottom;
  const max = bars.reduce((m, b) => Math.max(m, Number(b.value) || 0), 0);
  const step = niceStep(max, 4);
  const top = Math.max(step, Math.ceil(max / step) * step);

  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'middle';
  g.textAlign = 'right';
  g.lineWidth = 1;
  for (let v = 0; v <= top; v += step) {
    const y = Math.round(pad.top + hgt - (v / top) * hgt) + 0.5;
    g.strokeStyle = v === 0 ? COLORS.axis : COLORS.grid;
    g.beginPath();
    g.moveTo(pad.left, y);
    g.lineTo(pad.left + w, y);
    g.stroke();
    g.fillStyle = COLORS.text;
    g.fillText(String(v), pad.left - 6, y);
  }
  g.strokeStyle = COLORS.axis;
  g.beginPath();
  g.moveTo(pad.left + 0.5, pad.top);
  g.lineTo(pad.left + 0.5, pad.top + hgt);
  g.stroke();

  const n = Math.max(bars.length, 1);
  const slot = w / n;
  const bw = Math.max(2, slot * 0.7);
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(w / 48))));
  g.textAlign = 'center';
  g.textBaseline = 'top';
  bars.forEach((b, i) => {
    const v = Number(b.value) || 0;
    const x = pad.left + i * slot + (slot - bw) / 2;
    const bh = (v / top) * hgt;
    if (v > 0) {
      g.fillStyle = COLORS.bar;
      g.fillRect(x, pad.top + hgt - bh, bw, bh);
    } else {
      g.fillStyle = COLORS.barZero;
      g.fillRect(x, pad.top + hgt - 1, bw, 1);
    }
    if (i % every === 0 || i === n - 1) {
      g.fillStyle = COLORS.text;
      g.fillText(b.label, pad.left + i * slot + slot / 2, pad.top + hgt + 6);
    }
  });
  if (opts.unit) {
    g.save();
    g.translate(11, pad.top + hgt / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillStyle = COLORS.axis;
    g.fillText(opts.unit, 0, 0);
    g.restore();
  }
  return { max };
}

export const CHART_COLORS = COLORS;
