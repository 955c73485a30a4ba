// SPDX-License-Identifier: Apache-2.0
// Trunks to carriers: registering trunks (host, credentials), IP trunks
// (known networks) and trunks that register to us. Passwords are
// write-only.

import { h, append } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query, seg } from '../lib/api.js';

const FIELDS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'kind', label: 'Kind', type: 'select', options: [['register', 'register (we register to the carrier)'], ['ip', 'ip (carrier known by its networks)'], ['accept_register', 'accept_register (the carrier registers to us)']] },
  { name: 'host', label: 'Host' },
  { name: 'port', label: 'Port', type: 'number', min: 1, max: 65535 },
  { name: 'transport', label: 'Transport', type: 'select', options: ['udp'] },
  { name: 'username', label: 'Username', autocomplete: 'off' },
  { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'Write-only: leave empty to keep the current one.' },
  { name: 'realm', label: 'Realm' },
  { name: 'expires_s', label: 'Registration expiry (s)', type: 'number', min: 60 },
  { name: 'networks', label: 'Networks', hint: 'Comma-separated CIDR networks (ip trunks).' },
  { name: 'max_calls', label: 'Max concurrent calls', type: 'number', min: 0, hint: '0: no limit' },
];

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  let editing = '';
  const table = makeTable({
    caption: 'Trunks',
    sort: 'name',
    rowKey: (t) => t.name,
    columns: [
      { key: 'name', label: 'Name', sort: true },
      { key: 'kind', label: 'Kind', sort: true },
      { key: 'host', label: 'Host', render: (t) => (t.host ? `${t.host}${t.port ? `:${t.port}` : ''}` : '') },
      { key: 'transport', label: 'Transport' },
      { key: 'username', label: 'Username' },
      { key: 'networks', label: 'Networks', render: (t) => (t.networks || []).join(', ') },
      { key: 'max_calls', label: 'Max calls', sort: true, render: (t) => (t.max_calls ? String(t.max_calls) : 'no limit') },
    ],
    actions: (t) => [
      rowButton('Edit', () => startEdit(t), { aria: `Edit trunk ${t.name}` }),
      rowButton('Remove', async () => {
        status.hidden = true;
        try {
          await ctx.api.del(`/trunks/${seg(t.name)}`);
          status.className = 'form-note';
          status.textContent = `Trunk ${t.name} removed.`;
        } catch (e) {
          status.className = 'form-error';
          status.textContent = problemText(e);
        }
        status.hidden = false;
        if (editing === t.name) cancelEdit();
        await table.reload();
      }, { aria: `Remove trunk ${t.name}` }),
    ],
    empty: 'No trunks.',
    load: async ({ limit, offset, sort }) => {
      const r = await ctx.api.get(`/trunks${query({ limit, offset, sort })}`);
      return { rows: r.trunks, total: r.total };
    },
  });

  const heading = h('h3', {}, 'Add a trunk');
  const form = makeForm({
    submit: 'Add trunk',
    fields: FIELDS,
    cancel: { label: 'Cancel', onclick: () => cancelEdit() },
    async onSubmit(v, f) {
      const body = { ...v };
      if (typeof body.networks === 'string') body.networks = body.networks.split(',').map((s) => s.trim()).filter(Boolean);
      if (editing) {
        if (body.name === editing) delete body.name;
        else {
          body.new_name = body.name;
          delete body.name;
        }
        await ctx.api.patch(`/trunks/${seg(editing)}`, body);
        f.note(`Trunk ${v.name} saved.`);
        cancelEdit(true);
      } else {
        await ctx.api.post('/trunks', body);
        f.note(`Trunk ${v.name} added.`);
        f.setValues({ name: '', host: '', port: '', username: '', password: '', realm: '', networks: '', max_calls: '', expires_s: '' });
      }
      await table.reload();
    },
  });

  function startEdit(t) {
    editing = t.name;
    heading.textContent = `Change trunk ${t.name}`;
    form.setValues({ ...t, port: t.port || '', networks: (t.networks || []).join(', '), password: '' });
    form.submitButton.textContent = 'Save trunk';
    form.inputs.name.focus();
  }
  function cancelEdit(keepNote) {
    editing = '';
    heading.textContent = 'Add a trunk';
    form.submitButton.textContent = 'Add trunk';
    form.setValues({ name: '', host: '', port: '', username: '', password: '', realm: '', networks: '', max_calls: '', expires_s: '', kind: 'register' });
    if (!keepNote) form.clearErrors();
  }

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Trunks')), status, table.el,
    h('section', { class: 'card' }, heading, form.el));
  await table.reload();
}
