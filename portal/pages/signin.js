// SPDX-License-Identifier: Apache-2.0
// Sign-in: username and password, then the authenticator code when the
// account has 2FA (rule otp_required), then a new password when the
// account must change it (rule must_change); a refused new password shows
// the rule that refused it. A blocked address (429) is said so plainly.

import { h, append, fmtDuration } from '../lib/dom.js';
import { makeForm } from '../lib/form.js';
import { ApiError } from '../lib/api.js';

export const ADMIN_POLICY = [
  '8 to 32 characters',
  'at least one letter and one digit',
  'an upper-case letter or a special character',
  'no run of 4 sequential characters (1234, abcd)',
  'no character 3 times in a row (aaa, 222)',
  'nothing of your account (username, name, extension, e-mail)',
];

export function policyList() {
  return h('ul', { class: 'policy' }, ADMIN_POLICY.map((r) => h('li', {}, r)));
}

/** "The new password is too short: ... (rule too_short)". */
export function refusal(err) {
  const t = err.text;
  const text = /^(is |contains |must )/.test(t) ? `The new password ${t}` : t.charAt(0).toUpperCase() + t.slice(1);
  return `${text} (rule ${err.rule || 'policy'})`;
}

export async function render(main, ctx) {
  const intro = h('p', { class: 'lead', id: 'signin-step' }, 'Sign in to manage sipwarden.');
  const policy = h('div', { class: 'policy-box', hidden: true },
    h('p', {}, 'The new password needs:'), policyList());
  let step = 'password';

  const form = makeForm({
    submit: 'Sign in',
    fields: [
      { name: 'username', label: 'Username', required: true, autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' },
      {
        name: 'otp', label: 'Authentication code', hidden: true, required: true,
        autocomplete: 'one-time-code', inputmode: 'numeric',
        hint: 'The 6-digit code of your authenticator app, or a recovery code.',
      },
      { name: 'new_password', label: 'New password', type: 'password', hidden: true, required: true, autocomplete: 'new-password' },
      { name: 'confirm', label: 'Confirm new password', type: 'password', hidden: true, required: true, autocomplete: 'new-password' },
    ],
    async onSubmit(v, f) {
      if (step === 'change' && v.new_password !== v.confirm) {
        f.setError('confirm', 'The two new passwords differ', 'mismatch');
        return;
      }
      const body = { username: v.username, password: v.password };
      if (v.otp) body.otp = v.otp;
      if (v.new_password) body.new_password = v.new_password;
      let res;
      try {
        res = await ctx.api.post('/auth/login', body, { quiet: true });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        handle(err, f);
        return;
      }
      await ctx.signedIn(res);
    },
  });

  function toStep(next) {
    step = next;
    if (next === 'otp') {
      form.setHidden('otp', false);
      intro.textContent = 'Enter the code of your authenticator app.';
      form.inputs.otp.focus();
    } else if (next === 'change') {
      form.setHidden('new_password', false);
      form.setHidden('confirm', false);
      policy.hidden = false;
      intro.textContent = 'You must choose a new password before going on.';
      form.submitButton.textContent = 'Change password and sign in';
      if (!form.inputs.otp.closest('.field').hidden) {
        // The code just sent is used up: the next attempt needs a new one.
        form.inputs.otp.value = '';
        intro.textContent = 'You must choose a new password before going on; enter the next code of your app with it.';
      }
      form.inputs.new_password.focus();
    }
  }

  function handle(err, f) {
    switch (err.rule) {
      case 'otp_required':
        toStep('otp');
        return;
      case 'must_change':
        toStep('change');
        return;
      case 'otp':
        f.inputs.otp.value = '';
        f.setError('otp', 'Wrong or already used code', 'otp');
        return;
      case 'credentials':
        f.setError('', 'Wrong username or password', 'credentials');
        f.inputs.password.value = '';
        f.inputs.password.focus();
        return;
      case 'blocked': {
        const after = Number(err.headers && err.headers.get('Retry-After')) || 0;
        f.setError('', `Too many failed sign-ins: this address is blocked${after ? ` for ${fmtDuration(after)}` : ''}.`, 'blocked');
        return;
      }
      default:
        if (err.status === 422 && step === 'change' && (err.field === 'new_password' || !err.field)) {
          f.setError('new_password', refusal(err), err.rule);
          return;
        }
        f.showError(err);
    }
  }

  append(main, h('section', { class: 'card signin' },
    h('h1', {}, 'Sign in'),
    ctx.flash ? h('p', { class: 'notice notice-ok', role: 'status' }, ctx.flash) : null,
    intro, policy, form.el));
  form.inputs.username.focus();
}
