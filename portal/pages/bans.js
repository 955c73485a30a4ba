// SPDX-License-Identifier: Apache-2.0
// Active bans: why each address is banned (GET /bans/why), and lifting a
// ban, optionally turning it into a whitelist entry (POST /bans/lift).

import { h, append, replace, fmtTime, fmtDuration } from '../lib/dom.js';
import { makeTable, rowButton } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query } from '../lib/api.js';

const WHY_FIELDS = [
  ['net', 'Network'], ['reason', 'Reason'], ['source', 'Source'],
  ['count', 'Count'], ['threshold', 'Threshold'], ['window_s', 'Window (s)'],
  ['first_seen', 'First seen'], ['last_seen', 'Last seen'], ['created_at', 'Banned at'],
  ['expires_at', 'Expires at'], ['method', 'Method'], ['ruri', 'Request-URI'],
  ['from_user', 'From user'], ['user_agent', 'User-Agent'],
];
const TIMES = new Set(['first_seen', 'last_seen', 'created_at', 'expires_at']);

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });
  const why = h('section', { class: 'card why', id: 'ban-why', hidden: true, 'aria-live': 'polite' });
  let filter = '';

  async function showWhy(net) {
    why.hidden = false;
    replace(why, h('h2', {}, `Why is ${net} banned?`), h('p', { class: 'loading' }, 'Loading\u2026'));
    try {
      const { ban } = await ctx.api.get(`/bans/why${query({ net })}`);
      const dl = h('dl', { class: 'kv' });
      for (const [k, label] of WHY_FIELDS) {
        const v = ban[k];
        if (v === undefined || v === null || v === '' || (TIMES.has(k) && !v)) continue;
        dl.append(h('dt', {}, label), h('dd', { dataset: { key: k } }, TIMES.has(k) ? fmtTime(v) : String(v)));
      }
      replace(why, h('h2', {}, `Why is ${ban.net} banned?`), dl,
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => { why.hidden = true; } }, 'Close'));
    } catch (e) {
      replace(why, h('h2', {}, `Why is ${net} banned?`), h('p', { class: 'form-error', role: 'alert' }, problemText(e)));
    }
  }

  async function lift(net, whitelist) {
    status.hidden = true;
    try {
      await ctx.api.post('/bans/lift', whitelist ? { net, whitelist: true } : { net });
      status.className = 'form-note';
      status.textContent = whitelist ? `${net} unblocked and whitelisted.` : `${net} unblocked.`;
      if (!why.hidden && why.querySelector('h2') && why.querySelector('h2').textContent.includes(net)) why.hidden = true;
    } catch (e) {
      status.className = 'form-error';
      status.textContent = problemText(e);
    }
    status.hidden = false;
    await table.reload();
  }

  const table = makeTable({
    caption: 'Active bans',
    sort: '-created_at',
    rowKey: (b) => b.net,
    columns: [
      { key: 'net', label: 'Address / network', sort: true },
      { key: 'reason', label: 'Reason', sort: true },
      { key: 'source', label: 'Source', sort: true },
      { key: 'count', label: 'Count', render: (b) => `${b.count} / ${b.threshold}` },
      { key: 'last_seen', label: 'Last seen', sort: true, render: (b) => fmtTime(b.last_seen) },
      { key: 'expires_at', label: 'Expires in', sort: true, render: (b) => fmtDuration(b.expires_in) },
    ],
    actions: (b) => [
      rowButton('Why', () => showWhy(b.net), { aria: `Why is ${b.net} banned` }),
      rowButton('Unblock', () => lift(b.net, false), { aria: `Unblock ${b.net}` }),
      rowButton('Unblock + whitelist', () => lift(b.net, true), { aria: `Unblock and whitelist ${b.net}` }),
    ],
    empty: 'No active bans.',
    load: async ({ limit, offset, sort }) => {
      const r = await ctx.api.get(`/bans${query({ limit, offset, sort, reason: filter })}`);
      return { rows: r.bans, total: r.total };
    },
  });

  const filterForm = makeForm({
    inline: true,
    submit: 'Filter',
    fields: [{
      name: 'reason', label: 'Reason',
      type: 'select',
      options: [['', 'any'], 'l1_rate', 'l2_rate', 'auth_failures', 'challenge_failures', 'many_users',
        'method_rate', 'ua_suspicious', 'ua_blacklist', 'user_failures', 'trusted_rate', 'web_login'],
    }],
    async onSubmit(v) {
      filter = v.reason || '';
      await table.reload();
    },
  });

  append(main, 
    h('div', { class: 'page-head' }, h('h1', {}, 'Bans'),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => table.reload() }, 'Refresh')),
    h('p', { class: 'hint' }, 'Banned addresses get no answer from the SIP service until the ban expires or is lifted. ',
      'Whitelisting also adds the network to the IP allow list, so it is never banned again.'),
    filterForm.el, status, table.el, why);
  await table.reload();
}
