// SPDX-License-Identifier: Apache-2.0
// Security checklist (system administrators): every item of
// GET /security-checklist grouped by status, failing first, each with
// what was seen (evidence) and what to do (fix). Text only: evidence can
// quote names and networks that operators typed.

import { h, append, replace } from '../lib/dom.js';
import { problemText } from '../lib/form.js';

const GROUPS = [
  ['fail', 'Failing', 'tag tag-block'],
  ['warn', 'Warnings', 'tag'],
  ['pass', 'Passing', 'tag tag-allow'],
];

function rowEl(it, tagClass) {
  return h('tr', { class: 'checklist-item', dataset: { id: it.id, status: it.status } },
    h('td', {}, h('span', { class: tagClass }, it.status)),
    h('td', {}, h('strong', {}, it.title), h('br', {}), h('code', {}, it.id)),
    h('td', { class: 'checklist-evidence' }, it.evidence),
    h('td', { class: 'checklist-fix' }, it.status !== 'pass' ? it.fix : ''));
}

function groupEl(status, label, tagClass, items) {
  return h('section', { class: 'card', dataset: { status } },
    h('h2', {}, `${label} (${items.length})`),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Status', 'Check', 'What was seen', 'Fix'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((it) => rowEl(it, tagClass)))));
}

export async function render(main, ctx) {
  const summary = h('p', { class: 'hint', id: 'checklist-summary', role: 'status' });
  const body = h('div', { id: 'checklist' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const refresh = h('button', { type: 'button', class: 'btn btn-small' }, 'Run again');

  async function load() {
    err.hidden = true;
    refresh.disabled = true;
    try {
      const r = await ctx.api.get('/security-checklist');
      const items = Array.isArray(r.items) ? r.items : [];
      const s = r.summary || {};
      summary.textContent = `${items.length} checks: ${s.fail || 0} failing, ${s.warn || 0} warnings, ${s.pass || 0} passing.`;
      replace(body, GROUPS.map(([status, label, tagClass]) => {
        const mine = items.filter((it) => it.status === status);
        return mine.length ? groupEl(status, label, tagClass, mine) : null;
      }));
    } catch (e) {
      err.textContent = problemText(e);
      err.hidden = false;
    } finally {
      refresh.disabled = false;
    }
  }

  refresh.addEventListener('click', load);
  append(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Security checklist'), refresh),
    h('p', { class: 'form-note' }, 'The same checks as `sipwarden audit`: each item passes, warns or fails, with what was seen and how to fix it.'),
    err, summary, body);
  await load();
}
