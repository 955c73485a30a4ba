// SPDX-License-Identifier: Apache-2.0
// What a tenant administrator sees: after the forced password change, the
// navigation offers only the tenant's pages; a system page named in the
// address bar is not shown; the tenant's users are listed; signing out
// ends the session.

import { assert, newPage, ready, signinForm, submitLogin } from './lib.mjs';

export const title = 'a tenant administrator sees only the pages of its role; sign-out';

const TENANT_PAGES = ['users', 'rules', 'accounts', 'audit', 'sessions', '2fa', 'password'];

export async function run(S) {
  const { context, page } = await newPage(S.browser);
  await page.goto(`${S.env.url}/#/bans`);
  await ready(page, 'signin');
  const f = signinForm(page);
  await f.username.fill('ta1');
  await f.password.fill('Kp4-zT8q!wRm');
  assert.equal(await submitLogin(page), 403, 'a new account must change its password');
  await f.newPassword.fill('Rt5-mW2x!pLc');
  await f.confirm.fill('Rt5-mW2x!pLc');
  assert.equal(await submitLogin(page), 200);
  await ready(page, 'users');
  assert.equal(new URL(page.url()).hash, '#/users', '#/bans is not for this role');
  const links = await page.locator('nav a[data-page]').evaluateAll((as) => as.map((a) => a.dataset.page));
  assert.deepEqual(links, TENANT_PAGES);
  assert.match(await page.locator('#who').textContent(), /ta1 · tenant administrator/);

  await page.evaluate(() => {
    location.hash = '#/dashboard';
  });
  await ready(page, 'users');
  assert.equal(await page.locator('main').getAttribute('data-page'), 'users');

  const domain = page.getByLabel('Tenant domain');
  if (!(await domain.inputValue())) await domain.fill('example.com');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.locator('tr[data-key="100"]').waitFor();
  assert.deepEqual(page.errors.filter((e) => !/status of 40[13]/.test(e)), [], 'no errors but the sign-in refusals');

  // Sign out: back to the sign-in page, and the session is gone.
  const [out] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/logout')),
    page.getByRole('button', { name: 'Sign out' }).click(),
  ]);
  assert.equal(out.status(), 204);
  await ready(page, 'signin');
  assert.match(await page.locator('main').textContent(), /signed out/);
  const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
  assert.equal(me, 401, 'the session ended on the server');
  await context.close();
}
