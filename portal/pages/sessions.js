// SPDX-License-Identifier: Apache-2.0
// Your sessions (portal cookies and API tokens): where and when they were
// used, revoke any of them; make an API token (shown once).

import { h, append, fmtTime, replace } from '../lib/dom.js';
import { makeTable, rowButton, localPage } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { seg } from '../lib/api.js';

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const secret = h('div', { class: 'secret-box', hidden: true });
  let currentId = '';
  const table = makeTable({
    caption: 'Live sessions and API tokens',
    sort: '-last_seen_at',
    rowKey: (s) => s.id,
    columns: [
      { key: 'id', label: 'Session', render: (s) => h('code', { title: s.id }, `${s.id.slice(0, 10)}\u2026`) },
      { key: 'kind', label: 'Kind', sort: true, render: (s) => (s.id === currentId ? `${s.kind} (this one)` : s.kind) },
      { key: 'label', label: 'Label' },
      { key: 'client_ip', label: 'From', sort: true },
      { key: 'created_at', label: 'Started', sort: true, render: (s) => fmtTime(s.created_at) },
      { key: 'last_seen_at', label: 'Last used', sort: true, render: (s) => fmtTime(s.last_seen_at) },
      { key: 'expires_at', label: 'Expires', sort: true, render: (s) => fmtTime(s.expires_at) },
    ],
    actions: (s) => [rowButton('Revoke', async () => {
      status.hidden = true;
      try {
        await ctx.api.del(`/auth/sessions/${seg(s.id)}`);
      } catch (e) {
        status.className = 'form-error';
        status.textContent = problemText(e);
        status.hidden = false;
        return;
      }
      if (s.id === currentId) {
        ctx.signedOut('This session was revoked.');
        return;
      }
      status.className = 'form-note';
      status.textContent = 'Session revoked.';
      status.hidden = false;
      await table.reload();
    }, { aria: s.id === currentId ? 'Revoke this session (signs you out)' : `Revoke session ${s.id.slice(0, 10)}` })],
    empty: 'No sessions.',
    load: async (p) => {
      const r = await ctx.api.get('/auth/sessions');
      currentId = r.current || '';
      return localPage(r.sessions || [], p);
    },
  });
  const token = makeForm({
    title: 'Make an API token',
    submit: 'Make token',
    fields: [
      { name: 'label', label: 'Label', required: true, placeholder: 'monitoring' },
      { name: 'ttl_s', label: 'Valid for (seconds)', type: 'number', min: 60, hint: 'Empty: the longest allowed.' },
    ],
    async onSubmit(v, f) {
      const r = await ctx.api.post('/auth/tokens', v);
      replace(secret, h('p', {}, `API token "${v.label}" (shown once; send it as "Authorization: Bearer \u2026"), valid until ${fmtTime(r.expires_at)}:`),
        h('code', { class: 'secret', dataset: { secret: 'token' } }, r.token));
      secret.hidden = false;
      f.setValues({ label: '', ttl_s: '' });
      await table.reload();
    },
  });
  const canToken = ctx.me.role !== 'user' && !ctx.me.must_change;
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Sessions')), status, table.el,
    canToken ? h('section', { class: 'card' }, token.el, secret) : null);
  await table.reload();
}
