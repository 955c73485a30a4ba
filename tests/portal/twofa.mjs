// SPDX-License-Identifier: Apache-2.0
// 2FA enrolment from the page (QR code as an SVG element, the secret as
// text, confirmed with a code, recovery codes shown once), then a sign-in
// in a fresh browser with a code this test computes, and the same code
// replayed in another browser refused.

import { assert, newPage, open, ready, shot, signinForm, submitLogin, fieldError, totp, totpStep } from './lib.mjs';

export const title = '2FA enrolment, sign-in with a computed TOTP code, replay refused';

export async function run(S) {
  const { page } = S.admin;
  await open(page, '2fa');
  await page.getByRole('button', { name: 'Start enrolment' }).click();
  const secretEl = page.locator('[data-secret="totp"]');
  await secretEl.waitFor();
  const secret = (await secretEl.textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 secret is shown');
  const qr = page.locator('figure.qr svg');
  await qr.waitFor();
  const box = await qr.boundingBox();
  assert.ok(box && box.width >= 100 && box.height >= 100, `QR code drawn (${JSON.stringify(box)})`);
  assert.ok(await qr.locator('rect, path').count() > 0, 'the QR SVG has drawing elements');
  await shot(page, 'twofa-enrol');

  // Confirm with the current step's code; the later sign-in uses the next
  // step (the server accepts one step either side and never a used one).
  const step = totpStep();
  await page.getByLabel('Code from your app').fill(totp(secret, step));
  await page.getByRole('button', { name: 'Confirm' }).click();
  const codes = page.locator('#recovery ol.recovery-codes li');
  await codes.first().waitFor();
  const n = await codes.count();
  assert.ok(n >= 5, `recovery codes shown (${n})`);
  await shot(page, 'twofa-recovery');
  await page.getByRole('button', { name: 'I have saved these codes' }).click();
  await ready(page, 'dashboard');

  // A later sign-in asks for the code.
  const later = await newPage(S.browser);
  await later.page.goto(`${S.env.url}/`);
  await ready(later.page, 'signin');
  const f = signinForm(later.page);
  await f.username.fill('admin');
  await f.password.fill(S.password);
  assert.equal(await submitLogin(later.page), 401, 'password alone: second factor required');
  await f.otp.waitFor({ state: 'visible' });
  const code = totp(secret, step + 1);
  await f.otp.fill(code);
  assert.equal(await submitLogin(later.page), 200, 'signed in with the computed code');
  await ready(later.page, 'dashboard');
  await later.context.close();

  // The same code again, from another browser: refused as used.
  const replay = await newPage(S.browser);
  await replay.page.goto(`${S.env.url}/`);
  await ready(replay.page, 'signin');
  const g = signinForm(replay.page);
  await g.username.fill('admin');
  await g.password.fill(S.password);
  assert.equal(await submitLogin(replay.page), 401);
  await g.otp.waitFor({ state: 'visible' });
  await g.otp.fill(code);
  assert.equal(await submitLogin(replay.page), 401, 'replayed code refused');
  const e = await fieldError(replay.page, 'Authentication code');
  assert.equal(e.rule, 'otp');
  assert.equal(await replay.page.locator('main').getAttribute('data-page'), 'signin', 'still signed out');
  await shot(replay.page, 'twofa-replay-refused');
  await replay.context.close();
  S.totpSecret = secret;
}
