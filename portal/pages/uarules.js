// SPDX-License-Identifier: Apache-2.0
// Blocked User-Agents: case-insensitive substrings; a request whose
// User-Agent contains one is dropped and its address banned.

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query } from '../lib/api.js';

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const table = makeTable({
    caption: 'Blocked User-Agent patterns',
    sort: 'pattern',
    rowKey: (r) => r.pattern,
    columns: [
      { key: 'pattern', label: 'Pattern', sort: true },
      { key: 'created_at', label: 'Added', sort: true, render: (r) => fmtTime(r.created_at) },
    ],
    actions: (r) => [rowButton('Remove', async () => {
      status.hidden = true;
      try {
        await ctx.api.del(`/ua-rules${query({ pattern: r.pattern })}`);
        status.className = 'form-note';
        status.textContent = `Pattern "${r.pattern}" removed.`;
      } catch (e) {
        status.className = 'form-error';
        status.textContent = problemText(e);
      }
      status.hidden = false;
      await table.reload();
    }, { aria: `Remove the pattern ${r.pattern}` })],
    empty: 'No User-Agent is blocked.',
    load: async ({ limit, offset, sort }) => {
      const r = await ctx.api.get(`/ua-rules${query({ limit, offset, sort })}`);
      return { rows: r.ua_rules, total: r.total };
    },
  });
  const add = makeForm({
    title: 'Block a User-Agent',
    submit: 'Add pattern',
    fields: [{ name: 'pattern', label: 'Pattern', required: true, hint: 'Matched as a case-insensitive substring of the User-Agent header.' }],
    async onSubmit(v, f) {
      await ctx.api.post('/ua-rules', { pattern: v.pattern });
      f.note(`"${v.pattern}" is blocked.`);
      f.inputs.pattern.value = '';
      await table.reload();
    },
  });
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Blocked User-Agents')),
    status, table.el, h('section', { class: 'card' }, add.el));
  await table.reload();
}
