// SPDX-License-Identifier: Apache-2.0
// Tenants (SIP domains): list, add, and each tenant's password policy
// (minimum length 8-20, character classes, expiry 30-365 days, history).

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm } from '../lib/form.js';
import { query, seg } from '../lib/api.js';

function policyText(p) {
  if (!p) return '';
  return `min ${p.pw_min_len}, ${p.pw_classes} classes, expiry ${p.pw_expiry_days} d, history ${p.pw_history}`;
}

export async function render(main, ctx) {
  const table = makeTable({
    caption: 'Tenants',
    sort: 'domain',
    rowKey: (t) => t.domain,
    columns: [
      { key: 'domain', label: 'Domain', sort: true },
      { key: 'name', label: 'Name', sort: true },
      { key: 'users', label: 'Users', sort: true },
      { key: 'policy', label: 'Password policy', render: (t) => policyText(t.policy) },
      { key: 'created_at', label: 'Added', sort: true, render: (t) => fmtTime(t.created_at) },
    ],
    actions: (t) => [
      rowButton('Users', () => ctx.go('users', { domain: t.domain }), { aria: `Users of ${t.domain}` }),
      rowButton('Password policy', () => {
        policy.setValues({ domain: t.domain, ...(t.policy || {}) });
        policy.inputs.pw_min_len.focus();
      }, { aria: `Password policy of ${t.domain}` }),
    ],
    empty: 'No tenants yet.',
    load: async ({ limit, offset, sort }) => {
      const r = await ctx.api.get(`/tenants${query({ limit, offset, sort })}`);
      return { rows: r.tenants, total: r.total };
    },
  });
  const add = makeForm({
    title: 'Add a tenant',
    submit: 'Add tenant',
    fields: [
      { name: 'domain', label: 'Domain', required: true, placeholder: 'example.com' },
      { name: 'name', label: 'Name' },
    ],
    async onSubmit(v, f) {
      await ctx.api.post('/tenants', v);
      f.note(`Tenant ${v.domain} added.`);
      f.setValues({ domain: '', name: '' });
      await table.reload();
    },
  });
  const policy = makeForm({
    title: 'Password policy',
    submit: 'Save policy',
    fields: [
      { name: 'domain', label: 'Tenant domain', required: true },
      { name: 'pw_min_len', label: 'Minimum length', type: 'number', min: 8, max: 20, hint: '8 to 20 characters' },
      { name: 'pw_classes', label: 'Character classes', type: 'number', min: 1, max: 4, hint: 'lower, upper, digit, special: how many must appear' },
      { name: 'pw_expiry_days', label: 'Expiry (days)', type: 'number', min: 30, max: 365, hint: '30 to 365 days' },
      { name: 'pw_history', label: 'History', type: 'number', min: 0, max: 24, hint: 'earlier passwords that may not be used again' },
    ],
    async onSubmit(v, f) {
      const { domain, ...body } = v;
      await ctx.api.put(`/tenants/${seg(domain)}/password-policy`, body);
      f.note(`Password policy of ${domain} saved.`);
      await table.reload();
    },
  });
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Tenants')), table.el,
    h('div', { class: 'two-col' }, h('section', { class: 'card' }, add.el), h('section', { class: 'card' }, policy.el)));
  await table.reload();
}
