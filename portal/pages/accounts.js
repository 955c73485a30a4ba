// SPDX-License-Identifier: Apache-2.0
// Portal accounts: system administrators, tenant administrators and users
// (a user account is tied to a SIP extension). New accounts must change
// their password at first sign-in.

import { h, append, fmtTime } from '../lib/dom.js';
import { makeTable, rowButton, localPage } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { seg } from '../lib/api.js';
import { policyList } from './signin.js';

const ROLE_NAMES = { system_admin: 'system administrator', tenant_admin: 'tenant administrator', user: 'user' };

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const isSys = ctx.me.role === 'system_admin';
  const table = makeTable({
    caption: 'Portal accounts',
    sort: 'username',
    rowKey: (a) => a.username,
    columns: [
      { key: 'username', label: 'Username', sort: true },
      { key: 'role', label: 'Role', sort: true, render: (a) => ROLE_NAMES[a.role] || a.role },
      { key: 'tenant_id', label: 'Tenant', sort: true, render: (a) => (a.tenant_id ? String(a.tenant_id) : '') },
      { key: 'ext', label: 'Extension' },
      { key: 'totp_enabled', label: '2FA', render: (a) => (a.totp_enabled ? 'on' : 'off') },
      { key: 'must_change', label: 'Must change password', render: (a) => (a.must_change ? 'yes' : '') },
      { key: 'last_login_at', label: 'Last sign-in', sort: true, render: (a) => (a.last_login_at ? `${fmtTime(a.last_login_at)} from ${a.last_login_ip}` : 'never') },
    ],
    actions: (a) => (a.username === ctx.me.name ? [] : [rowButton('Remove', async () => {
      status.hidden = true;
      try {
        await ctx.api.del(`/admins/${seg(a.username)}`);
        status.className = 'form-note';
        status.textContent = `Account ${a.username} removed.`;
      } catch (e) {
        status.className = 'form-error';
        status.textContent = problemText(e);
      }
      status.hidden = false;
      await table.reload();
    }, { aria: `Remove the account ${a.username}` })]),
    empty: 'No accounts.',
    load: async (p) => localPage((await ctx.api.get('/admins')).admins || [], p),
  });

  const roles = isSys ? [['system_admin', 'system administrator'], ['tenant_admin', 'tenant administrator'], ['user', 'user']]
    : [['tenant_admin', 'tenant administrator'], ['user', 'user']];
  const form = makeForm({
    title: 'Add an account',
    submit: 'Add account',
    fields: [
      { name: 'username', label: 'Username', required: true, autocomplete: 'off' },
      { name: 'password', label: 'First password', type: 'password', required: true, autocomplete: 'new-password', hint: 'To be changed at first sign-in.' },
      { name: 'role', label: 'Role', type: 'select', options: roles, value: isSys ? 'tenant_admin' : 'tenant_admin' },
      { name: 'domain', label: 'Tenant domain', hint: 'For tenant administrators and users.' },
      { name: 'ext', label: 'Extension', hint: 'For users: their SIP extension.' },
    ],
    async onSubmit(v, f) {
      const body = { ...v };
      if (body.role === 'system_admin') delete body.domain;
      if (body.role !== 'user') delete body.ext;
      await ctx.api.post('/admins', body);
      f.note(`Account ${v.username} added; it must change its password at first sign-in.`);
      f.setValues({ username: '', password: '', ext: '' });
      await table.reload();
    },
  });
  const sync = () => {
    const r = form.inputs.role.value;
    form.setHidden('domain', r === 'system_admin');
    form.setHidden('ext', r !== 'user');
  };
  form.inputs.role.addEventListener('change', sync);
  sync();
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Portal accounts')), status, table.el,
    h('section', { class: 'card' }, form.el, h('details', {}, h('summary', {}, 'Password rules'), policyList())));
  await table.reload();
}
