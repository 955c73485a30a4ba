// SPDX-License-Identifier: Apache-2.0
// First sign-in as admin/admin: the portal asks for a new password and
// refuses one breaking each administrator rule, showing the rule next to
// the field; a good one lands on the dashboard.

import { assert, newPage, ready, shot, signinForm, submitLogin, fieldError } from './lib.mjs';

export const title = 'first sign-in forces the password change under every administrator rule';

/* One password per rule, each breaking only that rule. */
export const WEAK = [
  ['Ab1!x', 'too_short'],
  ['Kq8#Wm3-Zp5!Xt7@Rb2%Vn4&Hc6*Jd9+L', 'too_long'],
  ['4829#1750!36', 'no_letter'],
  ['Kq#Wm-Zp!Xt', 'no_digit'],
  ['kq8wm3zp5xt', 'no_upper_or_special'],
  ['Kq8#1234-Zp', 'sequence'],
  ['Kq8#abcd-Zp5', 'sequence'],
  ['Kq8#Wmmm-Zp5', 'repeat'],
  ['Kq8#admin-Zp5', 'account_info'],
];

export const PASSWORD = 'Vq7#mR2p-Lx9w';

export async function run(S) {
  const { context, page } = await newPage(S.browser);
  await page.goto(`${S.env.url}/`);
  await ready(page, 'signin');
  const f = signinForm(page);
  await f.username.fill('admin');
  await f.password.fill('admin');
  assert.equal(await submitLogin(page), 403, 'admin/admin: must change');
  await f.newPassword.waitFor({ state: 'visible' });
  await f.confirm.waitFor({ state: 'visible' });
  assert.match(await page.locator('#signin-step').textContent(), /new password/i);

  // The two fields must agree (checked in the page, nothing sent).
  await f.newPassword.fill(PASSWORD);
  await f.confirm.fill(`${PASSWORD}x`);
  await f.submit.click();
  const mm = await fieldError(page, 'Confirm new password');
  assert.equal(mm.rule, 'mismatch');

  for (const [pw, rule] of WEAK) {
    await f.newPassword.fill(pw);
    await f.confirm.fill(pw);
    assert.equal(await submitLogin(page), 422, `"${pw}" refused`);
    const e = await fieldError(page, 'New password');
    assert.equal(e.rule, rule, `"${pw}": rule shown`);
    assert.ok(e.text.includes(rule), `"${pw}": the message names the rule: ${e.text}`);
    assert.ok(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'field marked invalid');
    if (rule === 'too_short') await shot(page, 'first-signin-refused');
  }

  await f.newPassword.fill(PASSWORD);
  await f.confirm.fill(PASSWORD);
  assert.equal(await submitLogin(page), 200, 'the good password is taken');
  await ready(page, 'dashboard');
  assert.equal(new URL(page.url()).hash, '#/dashboard');
  assert.match(await page.locator('#who').textContent(), /admin/);
  S.password = PASSWORD;
  S.admin = { context, page };
}
