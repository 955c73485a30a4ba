// SPDX-License-Identifier: Apache-2.0
// The audit log (GET /audit): who changed what, when, from where, with
// the new values (secrets redacted by the server); exportable.

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable } from '../lib/table.js';
import { makeForm } from '../lib/form.js';
import { query } from '../lib/api.js';

function newText(e) {
  if (e.new === undefined || e.new === null) return '';
  const o = typeof e.new === 'object' ? { ...e.new } : e.new;
  if (o && typeof o === 'object') delete o.op;
  return typeof o === 'string' ? o : JSON.stringify(o);
}

export async function render(main, ctx) {
  let filter = {};
  const exports = h('p', { class: 'exports' });
  const setExports = () => {
    exports.replaceChildren('Export: ',
      h('a', { href: `/api/v1/audit/export${query({ format: 'csv', ...filter })}`, download: 'audit.csv' }, 'CSV'),
      ' \u00B7 ',
      h('a', { href: `/api/v1/audit/export${query({ format: 'json', ...filter })}`, download: 'audit.json' }, 'JSON'));
  };
  const table = makeTable({
    caption: 'Audit log, newest first',
    pageSize: 50,
    rowKey: (e) => String(e.id),
    columns: [
      { key: 'at', label: 'Time', render: (e) => fmtTime(e.at) },
      { key: 'actor', label: 'Who' },
      { key: 'client_ip', label: 'From' },
      { key: 'action', label: 'Action' },
      { key: 'target', label: 'Target', class: 'wrap' },
      { key: 'result', label: 'Result', render: (e) => h('span', { class: `tag ${e.result === 'ok' ? 'tag-allow' : 'tag-block'}` }, e.result) },
      { key: 'new', label: 'New values', class: 'wrap', render: newText },
    ],
    empty: 'No audit entries.',
    load: async ({ limit, offset }) => {
      const r = await ctx.api.get(`/audit${query({ limit, offset, ...filter })}`);
      return { rows: r.entries, total: r.total };
    },
  });
  const form = makeForm({
    inline: true,
    submit: 'Filter',
    fields: [
      { name: 'actor', label: 'Who', placeholder: 'admin' },
      { name: 'action', label: 'Action starts with', placeholder: 'user.' },
    ],
    async onSubmit(v) {
      filter = v;
      setExports();
      await table.reload();
    },
  });
  setExports();
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Audit log'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => table.reload() }, 'Refresh')),
  form.el, exports, table.el);
  await table.reload();
}
