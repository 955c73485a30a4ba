// SPDX-License-Identifier: Apache-2.0
// Anti-hacking settings (GET /security, PUT /security/{key}): every
// threshold, detection period and blacklist time of the shield, each with
// its default, range and meaning.

import { h, append } from '../lib/dom.js';
import { makeForm } from '../lib/form.js';
import { seg } from '../lib/api.js';

const GROUPS = [
  ['Detection and failed authentication', ['detection_period_s', 'sip_blacklist_s', 'auth_fail_threshold', 'user_fail_block', 'user_block_s', 'many_users_ban', 'trust_success_s', 'challenge_fail_threshold', 'challenge_grace_s']],
  ['Packet rates', ['l1_pps', 'l1_blacklist_s', 'l2_pps', 'l2_blacklist_s', 'trusted_pps']],
  ['User-Agent and methods', ['ua_score_ban', 'ua_blacklist_s', 'method_refused_ban', 'method_ban_s']],
  ['IPv6', ['v6_escalate_after', 'v6_window_s']],
];

/** A form field for one setting from its range ("1..3600", "on|off", "path"). */
function fieldOf(k) {
  const f = { name: k.key, label: k.key, value: k.value, hint: `${k.help} \u2014 default ${k.default === '' ? '(none)' : k.default}, range ${k.range}` };
  const num = /^(\d+)\.\.(\d+)$/.exec(k.range || '');
  if (num) {
    return { ...f, type: 'number', min: num[1], max: num[2], step: 1 };
  }
  if (/^[a-z0-9_]+(\|[a-z0-9_]+)+$/.test(k.range || '')) {
    return { ...f, type: 'select', options: k.range.split('|') };
  }
  return { ...f, keepEmpty: true };
}

export async function render(main, ctx) {
  const doc = await ctx.api.get('/security');
  const keys = doc.keys || Object.entries(doc.settings || {}).map(([key, value]) => ({ key, value, default: '', range: '', help: '' }));
  const byName = new Map(keys.map((k) => [k.key, k]));
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Anti-hacking settings')),
    h('p', { class: 'hint' }, 'Changes apply at once to the running shield and are audited.'));

  const placed = new Set();
  const sections = GROUPS.map(([title, names]) => [title, names.filter((n) => byName.has(n))]);
  sections.push(['Other', keys.map((k) => k.key).filter((n) => !GROUPS.some(([, names]) => names.includes(n)))]);
  for (const [title, names] of sections) {
    if (!names.length) continue;
    const sec = h('section', { class: 'card settings' }, h('h2', {}, title));
    for (const name of names) {
      if (placed.has(name)) continue;
      placed.add(name);
      const k = byName.get(name);
      const field = fieldOf(k);
      const form = makeForm({
        inline: true,
        submit: 'Save',
        fields: [field],
        fieldMap: { value: name, key: name },
        async onSubmit(v, f) {
          let value = v[name];
          if (value === undefined) value = '';
          const res = await ctx.api.put(`/security/${seg(name)}`, { value });
          const now = res && 'value' in res ? res.value : value;
          f.setValues({ [name]: now });
          f.note(`Saved: ${name} = ${now === '' ? '(none)' : now}`);
        },
      });
      form.submitButton.setAttribute('aria-label', `Save ${name}`);
      sec.append(form.el);
    }
    append(main, sec);
  }
}
