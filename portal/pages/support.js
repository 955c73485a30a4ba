// SPDX-License-Identifier: Apache-2.0
// Passwordless support links: a link valid for a chosen time (at most
// 72 h) that opens a session for one tenant and role; every use is
// audited, and a link can be revoked before it expires.

import { h, append, fmtTime, replace } from '../lib/dom.js';
import { makeTable, rowButton, localPage } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { hasRoute, query, seg } from '../lib/api.js';

const KEY = 'sw.support-links';

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || '[]');
  } catch (e) {
    return [];
  }
}

function remember(list) {
  sessionStorage.setItem(KEY, JSON.stringify(list));
}

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const made = h('div', { class: 'secret-box', hidden: true, 'aria-live': 'polite' });
  const serverList = await hasRoute('get', '/api/v1/support-links');
  const tenants = (await ctx.api.get(`/tenants${query({ limit: 1000, sort: 'domain' })}`)).tenants || [];

  async function revoke(id) {
    status.hidden = true;
    try {
      await ctx.api.del(`/support-links/${seg(id)}`);
      status.className = 'form-note';
      status.textContent = `Support link ${id} revoked.`;
      remember(remembered().map((l) => (String(l.id) === String(id) ? { ...l, revoked: true } : l)));
    } catch (e) {
      status.className = 'form-error';
      status.textContent = problemText(e);
    }
    status.hidden = false;
    await table.reload();
  }

  const table = makeTable({
    caption: serverList ? 'Support links' : 'Support links made in this browser tab',
    sort: '-id',
    rowKey: (l) => String(l.id),
    columns: [
      { key: 'id', label: 'Id', sort: true },
      { key: 'domain', label: 'Tenant', sort: true },
      { key: 'role', label: 'Role' },
      { key: 'expires_at', label: 'Expires', sort: true, render: (l) => fmtTime(l.expires_at) },
      { key: 'state', label: 'State', render: (l) => l.state || (l.revoked ? 'revoked' : l.expires_at * 1000 < Date.now() ? 'expired' : 'valid') },
    ],
    actions: (l) => (l.revoked || l.state === 'revoked' ? [] : [rowButton('Revoke', () => revoke(l.id), { aria: `Revoke support link ${l.id}` })]),
    empty: 'No support links.',
    load: async (p) => {
      if (serverList) {
        const r = await ctx.api.get(`/support-links${query({ limit: p.limit, offset: p.offset, sort: p.sort })}`);
        const rows = r.support_links || r.links || [];
        return { rows, total: r.total ?? rows.length };
      }
      return localPage(remembered(), p);
    },
  });

  const form = makeForm({
    title: 'Make a support link',
    submit: 'Make link',
    fields: [
      { name: 'domain', label: 'Tenant', type: 'select', options: tenants.map((t) => t.domain) },
      { name: 'role', label: 'Role', type: 'select', options: [['tenant_admin', 'tenant administrator'], ['user', 'user']] },
      { name: 'ext', label: 'Extension (role user)', hint: 'The user whose view the link opens; only for role user.' },
      { name: 'hours', label: 'Valid for (hours)', type: 'number', min: 1, max: 72, value: 4, required: true, hint: '1 to 72 hours' },
      { name: 'note', label: 'Note', hint: 'Why the link was made (in the audit log).' },
    ],
    async onSubmit(v) {
      const body = { ...v };
      if (body.role !== 'user') delete body.ext;
      const r = await ctx.api.post('/support-links', body);
      const url = new URL(r.url, location.origin).href;
      replace(made, h('p', {}, `Support link ${r.id} for ${v.domain}, valid until ${fmtTime(r.expires_at)}. It is shown only now:`),
        h('code', { class: 'secret wrap', dataset: { secret: 'support-link' } }, url));
      made.hidden = false;
      remember([...remembered(), { id: r.id, domain: v.domain, role: v.role, expires_at: r.expires_at }]);
      await table.reload();
    },
  });

  const byId = makeForm({
    inline: true,
    title: 'Revoke a link by its id',
    submit: 'Revoke',
    fields: [{ name: 'id', label: 'Link id', type: 'number', min: 1, required: true }],
    async onSubmit(v, f) {
      await ctx.api.del(`/support-links/${seg(v.id)}`);
      f.note(`Support link ${v.id} revoked.`);
      f.setValues({ id: '' });
      remember(remembered().map((l) => (String(l.id) === String(v.id) ? { ...l, revoked: true } : l)));
      await table.reload();
    },
  });

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Support links')),
    h('p', { class: 'hint' }, 'A support link signs its holder in without a password, for one tenant, until it expires or is revoked. Every use is audited.'),
    tenants.length ? null : h('p', { class: 'notice notice-warn' }, 'Add a tenant first.'),
    h('section', { class: 'card' }, form.el, made), status, table.el,
    serverList ? null : h('section', { class: 'card' }, byId.el));
  await table.reload();
}
