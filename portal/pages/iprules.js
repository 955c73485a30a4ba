// SPDX-License-Identifier: Apache-2.0
// IP rules: networks always allowed (whitelist, never banned) or always
// blocked (dropped without an answer).

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query } from '../lib/api.js';

export async function render(main, ctx) {
  let action = '';
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });

  const table = makeTable({
    caption: 'IP rules',
    sort: 'net',
    rowKey: (r) => r.net,
    columns: [
      { key: 'net', label: 'Network', sort: true },
      { key: 'action', label: 'Action', sort: true, render: (r) => h('span', { class: `tag tag-${r.action}` }, r.action) },
      { key: 'description', label: 'Description' },
      { key: 'created_at', label: 'Added', sort: true, render: (r) => fmtTime(r.created_at) },
    ],
    actions: (r) => [rowButton('Remove', async () => {
      status.hidden = true;
      try {
        await ctx.api.del(`/ip-rules${query({ net: r.net })}`);
        status.className = 'form-note';
        status.textContent = `Rule for ${r.net} removed.`;
      } catch (e) {
        status.className = 'form-error';
        status.textContent = problemText(e);
      }
      status.hidden = false;
      await table.reload();
    }, { aria: `Remove the rule for ${r.net}` })],
    empty: 'No IP rules.',
    load: async ({ limit, offset, sort }) => {
      const r = await ctx.api.get(`/ip-rules${query({ limit, offset, sort, action })}`);
      return { rows: r.ip_rules, total: r.total };
    },
  });

  const add = makeForm({
    title: 'Add a rule',
    submit: 'Add rule',
    fields: [
      { name: 'net', label: 'Network', required: true, placeholder: '203.0.113.0/24', hint: 'An address, a CIDR network, or an address and a subnet mask.' },
      { name: 'action', label: 'Action', type: 'select', options: [['allow', 'allow (whitelist)'], ['block', 'block']] },
      { name: 'description', label: 'Description' },
    ],
    async onSubmit(v, f) {
      const body = { net: v.net };
      if (v.description) body.description = v.description;
      await ctx.api.post(`/ip-rules/${v.action === 'block' ? 'block' : 'allow'}`, body);
      f.note(`${v.net} added (${v.action}).`);
      f.inputs.net.value = '';
      f.inputs.description.value = '';
      await table.reload();
    },
  });

  const filter = makeForm({
    inline: true,
    submit: 'Filter',
    fields: [{ name: 'action', label: 'Show', type: 'select', options: [['', 'all rules'], ['allow', 'allowed'], ['block', 'blocked']] }],
    async onSubmit(v) {
      action = v.action || '';
      await table.reload();
    },
  });

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'IP rules')),
    filter.el, status, table.el, h('section', { class: 'card' }, add.el));
  await table.reload();
}
