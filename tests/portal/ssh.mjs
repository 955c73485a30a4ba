// SPDX-License-Identifier: Apache-2.0
// The temporary SSH page as a system administrator, against a daemon run
// without [firewall] temp_ssh (the e2e portal setup): the list is empty
// (also through GET /ssh-access), a bad CIDR is refused next to the From
// field before anything is sent, and opening a valid network shows the
// API's refusal (temp_ssh off) above the buttons. Opening for real needs
// nftables in a namespace: tests/e2e/fw_service covers it through the API.

import { assert, apiGet, fieldError, formError, open, shot } from './lib.mjs';

export const title = 'temporary SSH: empty list, a bad CIDR and the daemon\'s refusal shown';

export async function run(S) {
  const { page } = S.admin;
  page.errors.length = 0;
  await open(page, 'ssh');
  const api = await apiGet(page, '/ssh-access');
  assert.equal(api.status, 200, 'GET /ssh-access');
  assert.deepEqual(api.body.grants, [], 'no grants yet');
  await page.locator('main tr.empty').waitFor();
  assert.match(await page.locator('main tr.empty').textContent(), /No SSH grants/);

  const form = page.locator('main form').filter({ has: page.getByLabel('From', { exact: true }) });
  const submit = form.getByRole('button', { name: 'Open SSH', exact: true });

  // A bad CIDR: the field says why, and no request is made.
  let posted = 0;
  const count = (r) => {
    if (r.url().endsWith('/api/v1/ssh-access') && r.method() === 'POST') posted += 1;
  };
  page.on('request', count);
  await form.getByLabel('From', { exact: true }).fill('10.0.0.300/8');
  await form.getByLabel('Minutes', { exact: true }).fill('5');
  await submit.click();
  const err = await fieldError(page, 'From');
  assert.equal(err.rule, 'format');
  assert.match(err.text, /0 to 255/);
  await form.getByLabel('From', { exact: true }).fill('203.0.113.7/40');
  await submit.click();
  assert.match((await fieldError(page, 'From')).text, /\/0 to \/32/);
  page.off('request', count);
  assert.equal(posted, 0, 'nothing sent for a bad CIDR');

  // A valid network: the daemon refuses (temp_ssh is off) and the page
  // shows its problem text.
  await form.getByLabel('From', { exact: true }).fill('203.0.113.7/32');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/ssh-access') && r.request().method() === 'POST'),
    submit.click(),
  ]);
  assert.ok(resp.status() >= 400 && resp.status() < 500, `POST /ssh-access -> ${resp.status()}`);
  const problem = await resp.json();
  const shown = await formError(form);
  assert.match(shown.text, /temp_ssh/);
  assert.ok(shown.text.includes(problem.detail), 'the problem\'s detail is shown');
  assert.equal(await page.locator('main tr[data-key]').count(), 0, 'still no grants');
  assert.deepEqual(page.errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'console errors');
  await shot(page, 'ssh-refused');
}
