// SPDX-License-Identifier: Apache-2.0
// Two-factor enrolment (TOTP, RFC 6238): a new secret as a QR code and as
// text, confirmed with a code of the app; the recovery codes are shown
// once. Enrolling again replaces the previous authenticator.

import { h, append, replace } from '../lib/dom.js';
import { makeForm } from '../lib/form.js';
import { safeSvg } from '../lib/svg.js';
import { home } from '../lib/router.js';

export async function render(main, ctx) {
  const area = h('div', { class: 'twofa' });
  const start = makeForm({
    fields: [],
    submit: 'Start enrolment',
    async onSubmit() {
      showEnrolment(await ctx.api.post('/auth/2fa/enrol', {}));
    },
  });

  append(main, h('div', { class: 'page-head' }, h('h1', {}, 'Two-factor authentication')),
    ctx.me.must_enrol_2fa
      ? h('p', { class: 'notice notice-warn', role: 'alert' }, 'Two-factor authentication is required for your account: enrol now to go on.')
      : null,
    h('p', { class: 'hint' }, 'Sign-in then asks for a 6-digit code from an authenticator app (any RFC 6238 TOTP app). ',
      'Starting an enrolment replaces the authenticator you have now once you confirm it.'),
    start.el, area);

  function showEnrolment(en) {
    const svg = safeSvg(en.qr_svg);
    if (svg) {
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', 'QR code of the authenticator secret');
      svg.classList.add('qr-svg');
    }
    const secretId = 'totp-secret';
    const form = makeForm({
      submit: 'Confirm',
      fields: [{ name: 'code', label: 'Code from your app', required: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 }],
      fieldMap: { otp: 'code' },
      async onSubmit(v) {
        const r = await ctx.api.post('/auth/2fa/confirm', { otp: v.code });
        showRecovery(r.recovery_codes || []);
      },
    });
    replace(area,
      h('section', { class: 'card' },
        h('h2', {}, '1. Scan the code'),
        h('figure', { class: 'qr' }, svg || h('p', { class: 'hint' }, 'No QR code available: type the secret into your app.'),
          h('figcaption', {}, 'Scan with your authenticator app')),
        h('p', {}, h('span', { id: `${secretId}-label` }, 'Secret: '),
          h('code', { id: secretId, class: 'secret', 'aria-labelledby': `${secretId}-label`, dataset: { secret: 'totp' } }, en.secret)),
        en.uri ? h('details', {}, h('summary', {}, 'otpauth URI'), h('code', { class: 'wrap' }, en.uri)) : null),
      h('section', { class: 'card' }, h('h2', {}, '2. Confirm with a code'), form.el));
    form.inputs.code.focus();
  }

  function showRecovery(codes) {
    const done = h('button', { type: 'button', class: 'btn btn-primary' }, 'I have saved these codes');
    done.addEventListener('click', async () => {
      const me = await ctx.refreshMe();
      replace(area, h('p', { class: 'notice notice-ok', role: 'status' }, 'Two-factor authentication is on.'));
      if (me) ctx.go(home(me));
    });
    replace(area, h('section', { class: 'card', id: 'recovery' },
      h('p', { class: 'notice notice-ok', role: 'status' }, 'Two-factor authentication is on.'),
      h('h2', {}, 'Recovery codes'),
      h('p', {}, 'Each code signs you in once without the app. They are shown only now: store them somewhere safe.'),
      h('ol', { class: 'recovery-codes', dataset: { count: String(codes.length) } }, codes.map((c) => h('li', {}, h('code', {}, c)))),
      done));
  }
}
