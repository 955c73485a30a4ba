// SPDX-License-Identifier: Apache-2.0
// The security event log (GET /security-events): what the shield and the
// web login protection saw, newest first, filtered by kind and address,
// exportable as CSV or JSON.

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable } from '../lib/table.js';
import { makeForm } from '../lib/form.js';
import { query } from '../lib/api.js';

export function detailText(d) {
  if (d === undefined || d === null) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

export async function render(main, ctx) {
  let filter = {};
  const exports = h('p', { class: 'exports' });
  const setExports = () => {
    exports.replaceChildren('Export: ',
      h('a', { href: `/api/v1/security-events/export${query({ format: 'csv', ...filter })}`, download: 'security-events.csv' }, 'CSV'),
      ' \u00B7 ',
      h('a', { href: `/api/v1/security-events/export${query({ format: 'json', ...filter })}`, download: 'security-events.json' }, 'JSON'));
  };
  const table = makeTable({
    caption: 'Security events',
    pageSize: 50,
    rowKey: (e) => String(e.id),
    columns: [
      { key: 'at', label: 'Time', render: (e) => fmtTime(e.at) },
      { key: 'kind', label: 'Kind' },
      { key: 'address', label: 'Address' },
      { key: 'country', label: 'Country' },
      { key: 'detail', label: 'Detail', class: 'wrap', render: (e) => detailText(e.detail) },
    ],
    empty: 'No security events.',
    load: async ({ limit, offset }) => {
      const r = await ctx.api.get(`/security-events${query({ limit, offset, ...filter })}`);
      return { rows: r.events, total: r.total };
    },
  });
  const form = makeForm({
    inline: true,
    submit: 'Filter',
    fields: [
      { name: 'kind', label: 'Kind', placeholder: 'ban' },
      { name: 'address', label: 'Address', placeholder: '198.51.100.7' },
    ],
    async onSubmit(v) {
      filter = v;
      setExports();
      await table.reload();
    },
  });
  setExports();
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Security events'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => table.reload() }, 'Refresh')),
  form.el, exports, table.el);
  await table.reload();
}
