// SPDX-License-Identifier: Apache-2.0
// A tenant's call rules: inbound (DID -> extension, optionally only from
// one trunk) and outbound (ordered: the first rule that matches the
// number picks the trunks).

import { h, append } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query, seg } from '../lib/api.js';
import { tenantPicker } from '../lib/tenant.js';
import { current } from '../lib/router.js';

const list = (s) => (typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : s);

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const picker = await tenantPicker(ctx, () => {
    inbound.reload();
    outbound.reload();
  }, current().params.get('domain'));
  const base = () => `/tenants/${seg(picker.value())}`;

  async function act(fn, ok) {
    status.hidden = true;
    try {
      await fn();
      status.className = 'form-note';
      status.textContent = ok;
    } catch (e) {
      status.className = 'form-error';
      status.textContent = problemText(e);
    }
    status.hidden = false;
  }

  const inbound = makeTable({
    caption: 'Inbound rules',
    sort: 'did',
    rowKey: (r) => r.did,
    columns: [
      { key: 'did', label: 'Number (DID)', sort: true },
      { key: 'ext', label: 'Extension', sort: true },
      { key: 'trunk', label: 'Only from trunk', render: (r) => r.trunk || 'any' },
    ],
    actions: (r) => [rowButton('Remove', async () => {
      await act(() => ctx.api.del(`${base()}/inbound-rules/${seg(r.id)}`), `Inbound rule ${r.did} removed.`);
      await inbound.reload();
    }, { aria: `Remove inbound rule ${r.did}` })],
    empty: 'No inbound rules.',
    load: async ({ limit, offset, sort }) => {
      if (!picker.value()) return { rows: [], total: 0 };
      const r = await ctx.api.get(`${base()}/inbound-rules${query({ limit, offset, sort })}`);
      return { rows: r.inbound_rules, total: r.total };
    },
  });
  const inForm = makeForm({
    title: 'Add an inbound rule',
    submit: 'Add inbound rule',
    fields: [
      { name: 'did', label: 'Number (DID)', required: true, inputmode: 'tel' },
      { name: 'ext', label: 'To extension', required: true },
      { name: 'trunk', label: 'Only from trunk', hint: 'Empty: from any trunk.' },
    ],
    async onSubmit(v, f) {
      await ctx.api.post(`${base()}/inbound-rules`, v);
      f.note(`Inbound rule ${v.did} \u2192 ${v.ext} added.`);
      f.setValues({ did: '', ext: '', trunk: '' });
      await inbound.reload();
    },
  });

  const outbound = makeTable({
    caption: 'Outbound rules, in the order they are tried',
    sort: 'position',
    rowKey: (r) => r.name,
    columns: [
      { key: 'position', label: '#', sort: true },
      { key: 'name', label: 'Name', sort: true },
      { key: 'prefix', label: 'Prefix' },
      { key: 'len', label: 'Length', render: (r) => (r.min_len || r.max_len ? `${r.min_len || 0}\u2013${r.max_len || '\u221E'}` : 'any') },
      { key: 'roles', label: 'Roles', render: (r) => (r.roles || []).join(', ') || 'all' },
      { key: 'groups', label: 'Groups', render: (r) => (r.groups || []).join(', ') || 'all' },
      { key: 'office_hours_only', label: 'Office hours only', render: (r) => (r.office_hours_only ? 'yes' : '') },
      { key: 'rewrite', label: 'Rewrite', render: (r) => [r.strip ? `strip ${r.strip}` : '', r.prepend ? `prepend ${r.prepend}` : ''].filter(Boolean).join(', ') },
      { key: 'trunks', label: 'Trunks', render: (r) => (r.trunks || []).join(', ') },
    ],
    actions: (r) => [
      rowButton('Up', async () => {
        await act(() => ctx.api.post(`${base()}/outbound-rules/${seg(r.name)}/move`, { position: Math.max(1, r.position - 1) }), `${r.name} moved up.`);
        await outbound.reload();
      }, { aria: `Move ${r.name} up` }),
      rowButton('Down', async () => {
        await act(() => ctx.api.post(`${base()}/outbound-rules/${seg(r.name)}/move`, { position: r.position + 1 }), `${r.name} moved down.`);
        await outbound.reload();
      }, { aria: `Move ${r.name} down` }),
      rowButton('Remove', async () => {
        await act(() => ctx.api.del(`${base()}/outbound-rules/${seg(r.name)}`), `Outbound rule ${r.name} removed.`);
        await outbound.reload();
      }, { aria: `Remove outbound rule ${r.name}` }),
    ],
    empty: 'No outbound rules: outside calls are refused.',
    load: async ({ limit, offset, sort }) => {
      if (!picker.value()) return { rows: [], total: 0 };
      const r = await ctx.api.get(`${base()}/outbound-rules${query({ limit, offset, sort })}`);
      return { rows: r.outbound_rules, total: r.total };
    },
  });
  const outForm = makeForm({
    title: 'Add an outbound rule',
    submit: 'Add outbound rule',
    fields: [
      { name: 'name', label: 'Rule name', required: true },
      { name: 'trunks', label: 'Trunks', required: true, hint: 'Comma-separated, tried in this order.' },
      { name: 'position', label: 'Position', type: 'number', min: 1, hint: 'Empty: last.' },
      { name: 'prefix', label: 'Number prefix' },
      { name: 'min_len', label: 'Minimum length', type: 'number', min: 0 },
      { name: 'max_len', label: 'Maximum length', type: 'number', min: 0 },
      { name: 'roles', label: 'Roles', hint: 'Comma-separated (standard, international, admin); empty: all.' },
      { name: 'groups', label: 'Groups', hint: 'Comma-separated; empty: all.' },
      { name: 'office_hours_only', label: 'Only during office hours', type: 'checkbox' },
      { name: 'strip', label: 'Strip digits', type: 'number', min: 0 },
      { name: 'prepend', label: 'Prepend digits' },
    ],
    async onSubmit(v, f) {
      const body = { ...v, trunks: list(v.trunks) };
      if (v.roles) body.roles = list(v.roles);
      if (v.groups) body.groups = list(v.groups);
      if (!body.office_hours_only) delete body.office_hours_only;
      await ctx.api.post(`${base()}/outbound-rules`, body);
      f.note(`Outbound rule ${v.name} added.`);
      f.setValues({ name: '', trunks: '', position: '', prefix: '', min_len: '', max_len: '', roles: '', groups: '', strip: '', prepend: '', office_hours_only: false });
      await outbound.reload();
    },
  });

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Call rules'), picker.el), status,
    h('section', { class: 'card' }, h('h2', {}, 'Inbound'), inbound.el, inForm.el),
    h('section', { class: 'card' }, h('h2', {}, 'Outbound'), outbound.el, outForm.el));
  await Promise.all([inbound.reload(), outbound.reload()]);
}
