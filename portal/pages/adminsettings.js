// SPDX-License-Identifier: Apache-2.0
// Admin-plane settings (GET /admin-settings, PUT /admin-settings/{key}):
// session timeouts, API token lifetime, web login protection, password
// history, audit retention, administrator networks and required 2FA.

import { h, append } from '../lib/dom.js';
import { makeForm } from '../lib/form.js';
import { seg } from '../lib/api.js';

/* key -> [label, hint, min, max] (numbers) */
const NUMBERS = {
  session_idle_s: ['Session idle timeout (s)', 'A portal session unused this long ends.', 60, 86400],
  session_absolute_s: ['Session lifetime (s)', 'A portal session ends this long after sign-in, used or not.', 300, 604800],
  api_token_max_s: ['Longest API token life (s)', '', 3600, 31536000],
  login_max_failures: ['Failed sign-ins before blocking', 'Failed sign-ins from one address within the period that block it.', 1, 1000],
  login_period_s: ['Failed sign-in period (s)', 'The window the failures are counted in.', 10, 86400],
  login_block_s: ['Block time (s)', 'How long a blocked address may not sign in (it is also banned in the shield).', 10, 604800],
  pw_history: ['Password history', 'Earlier administrator passwords that may not be used again.', 0, 24],
  audit_max_days: ['Audit log retention (days)', '0: no age limit.', 0, 3650],
  audit_max_rows: ['Audit log size (rows)', '0: no size limit.', 0, 10000000],
};
const GROUPS = [
  ['Sessions', ['session_idle_s', 'session_absolute_s', 'api_token_max_s']],
  ['Web login protection', ['login_max_failures', 'login_period_s', 'login_block_s']],
  ['Administrator sign-in', ['allowed_networks', 'require_2fa', 'pw_history']],
  ['Audit log', ['audit_max_days', 'audit_max_rows']],
];

function fieldOf(key, value) {
  if (key in NUMBERS) {
    const [label, hint, min, max] = NUMBERS[key];
    return { name: key, label, type: 'number', min, max, step: 1, value, hint: `${hint}${hint ? ' ' : ''}Range ${min}\u2013${max}.` };
  }
  if (key === 'allowed_networks') {
    return {
      name: key, label: 'Allowed administrator networks', type: 'textarea', keepEmpty: true,
      value: (value || []).join('\n'),
      hint: 'One CIDR network per line. Administrators may sign in only from these; empty: from anywhere.',
    };
  }
  if (key === 'require_2fa') {
    return { name: key, label: 'Require two-factor authentication for system administrators', type: 'checkbox', value };
  }
  return { name: key, label: key, value: typeof value === 'object' ? JSON.stringify(value) : value, keepEmpty: true };
}

function toValue(key, v) {
  if (key === 'allowed_networks') return String(v || '').split(/[\s,]+/).filter(Boolean);
  return v;
}

export async function render(main, ctx) {
  const { settings } = await ctx.api.get('/admin-settings');
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Admin settings')),
    h('p', { class: 'hint' }, 'These apply to the portal and the REST API at once, and every change is audited.'));
  const seen = new Set();
  const groups = GROUPS.map(([t, keys]) => [t, keys.filter((k) => k in settings)]);
  groups.push(['Other', Object.keys(settings).filter((k) => !GROUPS.some(([, keys]) => keys.includes(k)))]);
  for (const [title, keys] of groups) {
    if (!keys.length) continue;
    const sec = h('section', { class: 'card settings' }, h('h2', {}, title));
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const form = makeForm({
        inline: key !== 'allowed_networks',
        submit: 'Save',
        fields: [fieldOf(key, settings[key])],
        fieldMap: { value: key },
        async onSubmit(v, f) {
          const res = await ctx.api.put(`/admin-settings/${seg(key)}`, { value: toValue(key, v[key]) });
          const now = res && res.settings && key in res.settings ? res.settings[key] : toValue(key, v[key]);
          f.setValues({ [key]: Array.isArray(now) ? now.join('\n') : now });
          f.note(`Saved: ${key} = ${Array.isArray(now) ? (now.join(', ') || '(anywhere)') : now}`);
        },
      });
      form.submitButton.setAttribute('aria-label', `Save ${key}`);
      sec.append(form.el);
    }
    append(main, sec);
  }
}
