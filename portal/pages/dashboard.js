// SPDX-License-Identifier: Apache-2.0
// Dashboard: live counts, attacks per hour over the last 24 h (a bar
// chart on <canvas>), top offending addresses and countries.

import { h, append, replace } from '../lib/dom.js';
import { drawBars } from '../lib/chart.js';
import { problemText } from '../lib/form.js';

const CARDS = [
  ['registrations', 'Active registrations'],
  ['calls_active', 'Active calls'],
  ['bans_active', 'Active bans'],
  ['events_24h', 'Security events (24 h)'],
];

function hourLabel(unix) {
  const d = new Date(Number(unix) * 1000);
  return `${String(d.getHours()).padStart(2, '0')}:00`;
}

function topTable(caption, cols, rows) {
  return h('table', { class: 'table table-compact' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, cols.map(([, label]) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, rows.length
      ? rows.map((r) => h('tr', {}, cols.map(([k]) => h('td', {}, r[k] === undefined || r[k] === null || r[k] === '' ? '\u2014' : r[k]))))
      : h('tr', { class: 'empty' }, h('td', { colspan: cols.length }, 'None in the last 24 hours.'))));
}

export async function render(main, ctx) {
  const cards = h('div', { class: 'cards' });
  const canvas = h('canvas', { id: 'attacks-chart', class: 'chart', role: 'img', 'aria-label': 'Attacks per hour, last 24 hours' });
  const summary = h('p', { class: 'hint', id: 'attacks-summary' });
  const tops = h('div', { class: 'two-col' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const refresh = h('button', { type: 'button', class: 'btn btn-small' }, 'Refresh');
  append(main, 
    h('div', { class: 'page-head' }, h('h1', {}, 'Dashboard'), refresh),
    err, cards,
    h('section', { class: 'card' }, h('h2', {}, 'Attacks per hour (last 24 h)'), canvas, summary),
    tops);

  let data = null;
  const draw = () => {
    if (!data) return;
    const bars = (data.attacks_per_hour || []).map((b) => ({ label: hourLabel(b.hour), value: b.n }));
    drawBars(canvas, bars, { unit: 'attacks' });
    const total = bars.reduce((s, b) => s + (Number(b.value) || 0), 0);
    summary.textContent = `${total} attack event${total === 1 ? '' : 's'} in the last 24 hours.`;
  };

  async function load() {
    err.hidden = true;
    try {
      data = await ctx.api.get('/dashboard');
    } catch (e) {
      err.textContent = problemText(e);
      err.hidden = false;
      return;
    }
    replace(cards, CARDS.map(([k, label]) => h('div', { class: 'stat', dataset: { stat: k } },
      h('span', { class: 'stat-value' }, String(data[k] ?? 0)), h('span', { class: 'stat-label' }, label))));
    draw();
    canvas.dataset.drawn = String(Date.now());
    replace(tops,
      h('section', { class: 'card' }, topTable('Top offending addresses',
        [['address', 'Address'], ['country', 'Country'], ['n', 'Events']], data.top_addresses || [])),
      h('section', { class: 'card' }, topTable('Top countries',
        [['country', 'Country'], ['n', 'Events']], data.top_countries || [])));
  }

  refresh.addEventListener('click', load);
  const onResize = () => draw();
  window.addEventListener('resize', onResize);
  await load();
  return () => window.removeEventListener('resize', onResize);
}
