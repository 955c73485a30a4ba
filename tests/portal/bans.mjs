// SPDX-License-Identifier: Apache-2.0
// Real bans (a SIP OPTIONS with a scanner User-Agent from 127.0.0.5 and
// from 127.0.0.6) shown on the bans page with their "why"; one lifted with
// Unblock, the other with Unblock + whitelist; the rows go away and the
// CLI's ban list no longer has them; the whitelisted one is an allow rule.

import { assert, open, refreshUntilRow, shot, sipOptions, cli } from './lib.mjs';

export const title = 'a ban shown on the bans page is lifted from the page';

const UA = 'friendly-scanner'; // first entry of the default User-Agent blacklist

function banned(net) {
  return (cli('ban', 'list').bans || []).some((b) => b.net === net);
}

export async function run(S) {
  const { page } = S.admin;
  await sipOptions('127.0.0.5', UA);
  await sipOptions('127.0.0.6', UA);
  await open(page, 'bans');
  const row5 = await refreshUntilRow(page, '127.0.0.5/32');
  const row6 = await refreshUntilRow(page, '127.0.0.6/32');
  assert.match(await row5.textContent(), /ua_blacklist/);
  assert.ok(banned('127.0.0.5/32'), 'the CLI lists the ban first');

  // Why?
  await row5.getByRole('button', { name: 'Why is 127.0.0.5/32 banned' }).click();
  const why = page.locator('#ban-why');
  await why.locator('dd[data-key="reason"]').waitFor();
  assert.equal(await why.locator('dd[data-key="reason"]').textContent(), 'ua_blacklist');
  assert.match(await why.locator('dd[data-key="user_agent"]').textContent(), /friendly-scanner/);
  assert.equal(await why.locator('dd[data-key="method"]').textContent(), 'OPTIONS');
  await shot(page, 'bans-why');

  // Unblock.
  await row5.getByRole('button', { name: 'Unblock 127.0.0.5/32' }).click();
  await row5.waitFor({ state: 'detached' });
  assert.ok(!banned('127.0.0.5/32'), '`sipwarden ban list` no longer has 127.0.0.5/32');

  // Unblock + whitelist.
  await row6.getByRole('button', { name: 'Unblock and whitelist 127.0.0.6/32' }).click();
  await row6.waitFor({ state: 'detached' });
  assert.ok(!banned('127.0.0.6/32'), '`sipwarden ban list` no longer has 127.0.0.6/32');
  const rules = cli('ip', 'list').ip_rules || [];
  assert.ok(rules.some((r) => r.net === '127.0.0.6/32' && r.action === 'allow'), '127.0.0.6/32 whitelisted');
  await open(page, 'ip-rules');
  const allow = page.locator('tr[data-key="127.0.0.6/32"]');
  await allow.waitFor();
  assert.match(await allow.textContent(), /allow/);
}
