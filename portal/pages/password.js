// SPDX-License-Identifier: Apache-2.0
// Change your own password (POST /auth/password); a refused password shows
// the rule that refused it.

import { h, append } from '../lib/dom.js';
import { makeForm } from '../lib/form.js';
import { policyList, refusal } from './signin.js';

export async function render(main, ctx) {
  const form = makeForm({
    submit: 'Change password',
    fields: [
      { name: 'password', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'new_password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password' },
      { name: 'confirm', label: 'Confirm new password', type: 'password', required: true, autocomplete: 'new-password' },
    ],
    async onSubmit(v, f) {
      if (v.new_password !== v.confirm) {
        f.setError('confirm', 'The two new passwords differ', 'mismatch');
        return;
      }
      try {
        await ctx.api.post('/auth/password', { password: v.password, new_password: v.new_password });
      } catch (err) {
        if (err.status === 422 && err.field === 'new_password') {
          f.setError('new_password', refusal(err), err.rule);
          return;
        }
        if (err.status === 403 && err.field === 'password') {
          f.setError('password', 'The current password is wrong', err.rule);
          return;
        }
        throw err;
      }
      f.setValues({ password: '', new_password: '', confirm: '' });
      f.note('Password changed. Your other sessions were signed out.');
    },
  });
  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Change your password')),
    h('section', { class: 'card narrow' }, form.el, h('p', {}, 'The new password needs:'), policyList()));
}
