// SPDX-License-Identifier: Apache-2.0
// Temporary SSH access (system administrators): the grants, open and
// expired; a form that opens the SSH port to one source for some minutes
// (the firewall closes it by itself when the time is up); a Close button
// per open grant. Refusals (temp_ssh off, a network too broad, no
// firewall) are shown as the server words them.

import { h, append, fmtDuration, fmtTime } from '../lib/dom.js';
import { makeTable, rowButton, localPage } from '../lib/table.js';
import { makeForm, problemText } from '../lib/form.js';
import { query } from '../lib/api.js';

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;
const V6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(\/(\d{1,3}))?$/;

/** Why 'v' is not an address or CIDR network, or '' when it looks like one
 * (the server checks again and has the last word). */
function cidrProblem(v) {
  const m4 = V4.exec(v);
  if (m4) {
    if (m4.slice(1, 5).some((o) => Number(o) > 255)) return 'each part of an IPv4 address is 0 to 255';
    if (m4[6] !== undefined && Number(m4[6]) > 32) return 'an IPv4 prefix is /0 to /32';
    return '';
  }
  const m6 = V6.exec(v);
  if (m6) {
    if (m6[2] !== undefined && Number(m6[2]) > 128) return 'an IPv6 prefix is /0 to /128';
    return '';
  }
  return 'expected an address or a CIDR network, e.g. 203.0.113.7 or 2001:db8::/64';
}

export async function render(main, ctx) {
  const status = h('p', { class: 'form-note', role: 'status', hidden: true });

  function say(text, isError) {
    status.className = isError ? 'form-error' : 'form-note';
    status.textContent = text;
    status.hidden = false;
  }

  const table = makeTable({
    caption: 'SSH grants',
    sort: '-opened_at',
    rowKey: (r) => r.from,
    columns: [
      { key: 'from', label: 'From', sort: true },
      { key: 'state', label: 'State', sort: true, render: (r) => h('span', { class: `tag tag-${r.state === 'open' ? 'allow' : 'block'}` }, r.state === 'open' ? 'open' : 'expired') },
      { key: 'opened_at', label: 'Opened', sort: true, render: (r) => fmtTime(r.opened_at) },
      { key: 'expires_at', label: 'Until', sort: true, render: (r) => fmtTime(r.expires_at) },
      { key: 'seconds', label: 'For', render: (r) => fmtDuration(r.seconds) },
      { key: 'by', label: 'Opened by' },
    ],
    actions: (r) => (r.state !== 'open' ? [] : [rowButton('Close', async () => {
      status.hidden = true;
      try {
        await ctx.api.del(`/ssh-access${query({ from: r.from })}`);
        say(`SSH closed for ${r.from}.`, false);
      } catch (e) {
        say(problemText(e), true);
      }
      await table.reload();
    }, { aria: `Close SSH for ${r.from}` })]),
    empty: 'No SSH grants.',
    load: async (page) => {
      const r = await ctx.api.get('/ssh-access');
      return localPage(r.grants || [], page);
    },
  });

  const open = makeForm({
    title: 'Open SSH',
    submit: 'Open SSH',
    fields: [
      { name: 'from', label: 'From', required: true, placeholder: '203.0.113.7/32', hint: 'The address or network that may connect (IPv4 /24 or narrower, IPv6 /48 or narrower).' },
      { name: 'minutes', label: 'Minutes', type: 'number', required: true, value: 30, min: 1, step: 1, inputmode: 'numeric' },
    ],
    async onSubmit(v, f) {
      const why = cidrProblem(v.from || '');
      if (why) {
        f.setError('from', why, 'format');
        f.inputs.from.focus();
        return;
      }
      const r = await ctx.api.post('/ssh-access', { from: v.from, minutes: v.minutes });
      const g = (r && r.grant) || {};
      f.note(`SSH open for ${g.from || v.from} until ${fmtTime(g.expires_at)}.`);
      f.inputs.from.value = '';
      await table.reload();
    },
  });

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Temporary SSH')),
    h('p', { class: 'form-note' }, 'Opens the SSH port to one source for a limited time; the firewall closes it by itself when the time is up. Every opening and closing is audited. Off unless the daemon runs with [firewall] temp_ssh = on.'),
    status, table.el, h('section', { class: 'card' }, open.el));
  await table.reload();
}
