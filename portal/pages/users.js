// SPDX-License-Identifier: Apache-2.0
// A tenant's SIP users (extensions): list, add, change, remove. A
// generated SIP password is shown once.

import { h, append, fmtTime, replace } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query, seg } from '../lib/api.js';
import { tenantPicker } from '../lib/tenant.js';
import { current } from '../lib/router.js';

const ROLES = [['standard', 'standard'], ['international', 'international'], ['admin', 'admin']];

export async function render(main, ctx) {
  const { params } = current();
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const secret = h('div', { class: 'secret-box', hidden: true, 'aria-live': 'polite' });
  let editing = '';

  const picker = await tenantPicker(ctx, () => {
    cancelEdit();
    table.reload();
  }, params.get('domain'));
  const dom = () => picker.value();

  function showSecret(ext, pw) {
    replace(secret, h('p', {}, `SIP password of ${ext} (shown once, copy it now):`),
      h('code', { class: 'secret', dataset: { secret: 'sip_password' } }, pw));
    secret.hidden = false;
  }

  const table = makeTable({
    caption: 'Users',
    sort: 'ext',
    rowKey: (u) => u.ext,
    columns: [
      { key: 'ext', label: 'Extension', sort: true },
      { key: 'name', label: 'Name', sort: true },
      { key: 'role', label: 'Role', sort: true },
      { key: 'email', label: 'E-mail' },
      { key: 'updated_at', label: 'Changed', sort: true, render: (u) => fmtTime(u.updated_at) },
    ],
    actions: (u) => [
      rowButton('Edit', () => startEdit(u), { aria: `Edit ${u.ext}` }),
      rowButton('Remove', async () => {
        status.hidden = true;
        try {
          await ctx.api.del(`/tenants/${seg(dom())}/users/${seg(u.ext)}`);
          status.className = 'form-note';
          status.textContent = `User ${u.ext} removed.`;
        } catch (e) {
          status.className = 'form-error';
          status.textContent = problemText(e);
        }
        status.hidden = false;
        if (editing === u.ext) cancelEdit();
        await table.reload();
      }, { aria: `Remove ${u.ext}` }),
    ],
    empty: 'No users in this tenant.',
    load: async ({ limit, offset, sort }) => {
      if (!dom()) return { rows: [], total: 0 };
      const r = await ctx.api.get(`/tenants/${seg(dom())}/users${query({ limit, offset, sort })}`);
      return { rows: r.users, total: r.total };
    },
  });

  const heading = h('h3', {}, 'Add a user');
  const form = makeForm({
    submit: 'Add user',
    fields: [
      { name: 'ext', label: 'Extension', required: true, inputmode: 'numeric' },
      { name: 'name', label: 'Display name' },
      { name: 'role', label: 'Role', type: 'select', options: ROLES, hint: 'What the extension may call.' },
      { name: 'email', label: 'E-mail', type: 'email' },
      { name: 'sip_password', label: 'SIP password', type: 'password', autocomplete: 'new-password', hint: 'Leave empty and tick "Generate" to have one made.' },
      { name: 'generate_password', label: 'Generate a SIP password', type: 'checkbox', value: true },
    ],
    cancel: { label: 'Cancel', onclick: () => cancelEdit() },
    async onSubmit(v, f) {
      secret.hidden = true;
      const body = { ...v };
      if (body.sip_password || !body.generate_password) delete body.generate_password;
      if (editing) {
        delete body.ext;
        if (!v.name) body.name = '';
        if (!v.email) body.email = '';
        const r = await ctx.api.patch(`/tenants/${seg(dom())}/users/${seg(editing)}`, body);
        f.note(`User ${editing} saved.`);
        if (r && r.sip_password) showSecret(editing, r.sip_password);
        cancelEdit(true);
      } else {
        const r = await ctx.api.post(`/tenants/${seg(dom())}/users`, body);
        f.note(`User ${v.ext} added.`);
        if (r && r.sip_password) showSecret(v.ext, r.sip_password);
        f.setValues({ ext: '', name: '', email: '', sip_password: '' });
      }
      await table.reload();
    },
  });

  function startEdit(u) {
    editing = u.ext;
    heading.textContent = `Change user ${u.ext}`;
    form.setValues({ ext: u.ext, name: u.name, role: u.role, email: u.email, sip_password: '', generate_password: false });
    form.inputs.ext.readOnly = true;
    form.submitButton.textContent = 'Save user';
    form.inputs.name.focus();
  }

  function cancelEdit(keepNote) {
    editing = '';
    heading.textContent = 'Add a user';
    form.inputs.ext.readOnly = false;
    form.setValues({ ext: '', name: '', email: '', sip_password: '', generate_password: true, role: 'standard' });
    form.submitButton.textContent = 'Add user';
    if (!keepNote) form.clearErrors();
  }

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Users'), picker.el), status, secret, table.el,
    h('section', { class: 'card' }, heading, form.el));
  await table.reload();
}
