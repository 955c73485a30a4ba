// SPDX-License-Identifier: Apache-2.0
// Web login protection, run last since it blocks an address: a browser
// whose connections leave from 127.0.0.8 (through a local CONNECT proxy;
// the daemon never bans its own addresses, and 127.0.0.1 and ::1 are
// its own) fails the configured number of sign-ins; the page says the
// address is blocked, and the ban list (read by the administrator from
// 127.0.0.1, and by the CLI) has 127.0.0.8 with reason web_login.

import { assert, apiGet, cli, newPage, open, ready, shot, signinForm, sourceProxy, submitLogin, formError } from './lib.mjs';

export const title = 'the address is blocked after the configured failed sign-ins';

const SOURCE = '127.0.0.8';

export async function run(S) {
  const max = S.maxFailures;
  assert.ok(Number.isInteger(max) && max >= 1, 'login_max_failures was set on the admin settings page');
  const proxy = await sourceProxy(SOURCE);
  try {
    const { context, page } = await newPage(S.browser, { proxy: { server: proxy.server } });
    await page.goto(`${S.env.url}/`);
    await ready(page, 'signin');
    const f = signinForm(page);
    for (let i = 1; i <= max; i += 1) {
      await f.username.fill('admin');
      await f.password.fill(`wrong-${i}-Password`);
      const status = await submitLogin(page);
      const e = await formError(page.locator('main form'));
      if (i < max) {
        assert.equal(status, 401, `failure ${i}`);
        assert.equal(e.rule, 'credentials', `failure ${i}: ${e.text}`);
      } else {
        assert.equal(status, 429, `failure ${i} blocks`);
        assert.equal(e.rule, 'blocked');
        assert.match(e.text, /blocked/);
      }
    }
    await shot(page, 'login-blocked');
    // No further attempt from the page: the ban is also in the kernel's
    // set (kernel_sync), which drops the address's packets unanswered.
    await context.close();
  } finally {
    await proxy.close();
  }

  // From 127.0.0.1 the administrator still works and sees the ban.
  const admin = S.admin.page;
  const net = `${SOURCE}/32`;
  const bans = await apiGet(admin, '/bans');
  assert.equal(bans.status, 200);
  const ban = bans.body.bans.find((b) => b.net === net);
  assert.ok(ban, `${net} banned: ${JSON.stringify(bans.body.bans.map((b) => b.net))}`);
  assert.equal(ban.reason, 'web_login');
  await open(admin, 'bans');
  const row = admin.locator(`tr[data-key="${net}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /web_login/);
  assert.ok((cli('ban', 'list').bans || []).some((b) => b.net === net && b.reason === 'web_login'), 'the CLI lists it too');
  await shot(admin, 'bans-web-login');
}
