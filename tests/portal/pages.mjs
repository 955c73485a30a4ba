// SPDX-License-Identifier: Apache-2.0
// The pages at work as a system administrator: tenants, users (add,
// change, remove), trunks, inbound and outbound rules, IP rules,
// User-Agents, anti-hacking settings (a value refused next to its field),
// portal accounts, support links (made, refused once revoked), admin
// settings (login_max_failures set for the blocking test), sessions
// (revoke), the audit log and security events (with their exports).

import { assert, apiGet, httpsGetFrom, open, shot } from './lib.mjs';

export const title = 'pages: add, change and remove through the forms';

/** The form on the page holding the field labelled 'label'. */
function formOf(page, label) {
  return page.locator('main form').filter({ has: page.getByLabel(label, { exact: true }) });
}

async function submit(form, name) {
  await form.getByRole('button', { name, exact: true }).click();
}

async function note(form, re) {
  const n = form.locator('.form-note:not([hidden])');
  await n.waitFor();
  assert.match(await n.textContent(), re);
}

export async function run(S) {
  const { page } = S.admin;

  // Tenants.
  await open(page, 'tenants');
  let f = formOf(page, 'Domain');
  await f.getByLabel('Domain').fill('example.com');
  await f.getByLabel('Name', { exact: true }).fill('Example Ltd');
  await submit(f, 'Add tenant');
  await page.locator('tr[data-key="example.com"]').waitFor();
  f = formOf(page, 'Minimum length');
  await page.getByRole('button', { name: 'Password policy of example.com' }).click();
  await f.getByLabel('Minimum length').fill('10');
  await submit(f, 'Save policy');
  await note(f, /saved/);
  await page.locator('tr[data-key="example.com"]', { hasText: 'min 10' }).waitFor();

  // Users: add with a generated password, change, remove.
  await open(page, 'users');
  f = formOf(page, 'Extension');
  for (const ext of ['100', '101']) {
    await f.getByLabel('Extension').fill(ext);
    await submit(f, 'Add user');
    await page.locator(`tr[data-key="${ext}"]`).waitFor();
  }
  const pw = (await page.locator('[data-secret="sip_password"]').textContent()).trim();
  assert.ok(pw.length >= 8, 'the generated SIP password is shown once');
  await page.getByRole('button', { name: 'Edit 100' }).click();
  await f.getByLabel('Display name').fill('Reception <b>desk</b>');
  await submit(f, 'Save user');
  const r100 = page.locator('tr[data-key="100"]', { hasText: 'Reception <b>desk</b>' });
  await r100.waitFor();
  assert.equal(await r100.locator('b').count(), 0, 'names are shown as text, never as markup');
  await page.getByRole('button', { name: 'Remove 101' }).click();
  await page.locator('tr[data-key="101"]').waitFor({ state: 'detached' });

  // Trunks.
  await open(page, 'trunks');
  f = formOf(page, 'Networks');
  await f.getByLabel('Name', { exact: true }).fill('carrier');
  await f.getByLabel('Kind').selectOption('ip');
  await f.getByLabel('Networks').fill('192.0.2.0/24');
  await submit(f, 'Add trunk');
  await page.locator('tr[data-key="carrier"]', { hasText: '192.0.2.0/24' }).waitFor();

  // Call rules.
  await open(page, 'rules');
  f = formOf(page, 'Number (DID)');
  await f.getByLabel('Number (DID)').fill('442071234567');
  await f.getByLabel('To extension').fill('100');
  await submit(f, 'Add inbound rule');
  await page.locator('tr[data-key="442071234567"]').waitFor();
  f = formOf(page, 'Rule name');
  await f.getByLabel('Rule name').fill('national');
  await f.getByLabel('Trunks').fill('carrier');
  await f.getByLabel('Number prefix').fill('0');
  await submit(f, 'Add outbound rule');
  await page.locator('tr[data-key="national"]').waitFor();
  await f.getByLabel('Rule name').fill('nowhere');
  await f.getByLabel('Trunks').fill('no-such-trunk');
  await submit(f, 'Add outbound rule');
  const refused = f.getByLabel('Trunks').locator('xpath=..').locator('.field-error');
  await refused.waitFor();
  assert.match(await refused.textContent(), /no-such-trunk|trunk/i, 'an unknown trunk is refused by its field');

  // IP rules: add and remove a block.
  await open(page, 'ip-rules');
  f = formOf(page, 'Network');
  await f.getByLabel('Network').fill('203.0.113.0/24');
  await f.getByLabel('Action').selectOption('block');
  await submit(f, 'Add rule');
  const blk = page.locator('tr[data-key="203.0.113.0/24"]');
  await blk.waitFor();
  assert.match(await blk.textContent(), /block/);
  await page.getByRole('button', { name: 'Remove the rule for 203.0.113.0/24' }).click();
  await blk.waitFor({ state: 'detached' });

  // User-Agents.
  await open(page, 'ua-rules');
  f = formOf(page, 'Pattern');
  await f.getByLabel('Pattern').fill('evil-dialer');
  await submit(f, 'Add pattern');
  await page.locator('tr[data-key="evil-dialer"]').waitFor();
  await page.getByRole('button', { name: 'Remove the pattern evil-dialer' }).click();
  await page.locator('tr[data-key="evil-dialer"]').waitFor({ state: 'detached' });

  // Anti-hacking settings: a change, and a refused value shown by its field.
  await open(page, 'security');
  f = formOf(page, 'auth_fail_threshold');
  await f.getByLabel('auth_fail_threshold', { exact: true }).fill('40');
  await submit(f, 'Save auth_fail_threshold');
  await note(f, /auth_fail_threshold = 40/);
  f = formOf(page, 'l1_pps');
  await f.getByLabel('l1_pps', { exact: true }).fill('0');
  await submit(f, 'Save l1_pps');
  const bad = f.locator('.field-error:not([hidden])');
  await bad.waitFor();
  assert.match(await bad.textContent(), /l1_pps/);

  // Portal accounts.
  await open(page, 'accounts');
  f = formOf(page, 'First password');
  await f.getByLabel('Username').fill('ta1');
  await f.getByLabel('First password').fill('Kp4-zT8q!wRm');
  await f.getByLabel('Role').selectOption('tenant_admin');
  await f.getByLabel('Tenant domain').fill('example.com');
  await submit(f, 'Add account');
  await page.locator('tr[data-key="ta1"]').waitFor();

  // Support links: made, then revoked and refused.
  await open(page, 'support');
  f = formOf(page, 'Valid for (hours)');
  await f.getByLabel('Tenant').selectOption('example.com');
  await f.getByLabel('Valid for (hours)').fill('2');
  await submit(f, 'Make link');
  const link = (await page.locator('[data-secret="support-link"]').textContent()).trim();
  assert.match(link, /^https:\/\/127\.0\.0\.1:8887\/api\/v1\/support\/\S+$/);
  const id = (await page.locator('main table tbody tr[data-key]').first().getAttribute('data-key'));
  await page.getByRole('button', { name: `Revoke support link ${id}` }).click();
  await page.locator(`tr[data-key="${id}"]`, { hasText: 'revoked' }).waitFor();
  // From another address: a refused link counts as a failed sign-in.
  const use = await httpsGetFrom(link, '127.0.0.9');
  assert.equal(use.status, 403, 'a revoked support link is refused');

  // Admin settings: the web login protection threshold for the last test.
  await open(page, 'admin-settings');
  f = formOf(page, 'Failed sign-ins before blocking');
  await f.getByLabel('Failed sign-ins before blocking').fill('0');
  await submit(f, 'Save login_max_failures');
  const range = f.locator('.field-error:not([hidden])');
  await range.waitFor();
  assert.ok((await range.getAttribute('data-rule')), 'the refused value names its rule');
  await f.getByLabel('Failed sign-ins before blocking').fill('3');
  await submit(f, 'Save login_max_failures');
  await note(f, /login_max_failures = 3/);
  const s = await apiGet(page, '/admin-settings');
  assert.equal(s.body.settings.login_max_failures, 3);
  S.maxFailures = 3;

  // Sessions: the one from the 2FA sign-in is revoked here.
  await open(page, 'sessions');
  const others = page.locator('main tbody tr[data-key]').filter({ has: page.getByRole('button', { name: /^Revoke session / }) });
  const before = await others.count();
  assert.ok(before >= 1, 'the 2FA sign-in left another session');
  const sid = await others.first().getAttribute('data-key');
  await others.first().getByRole('button').click();
  await page.locator(`tr[data-key="${sid}"]`).waitFor({ state: 'detached' });

  // Audit log: the changes above, with who and from where; exports.
  await open(page, 'audit');
  f = formOf(page, 'Action starts with');
  await f.getByLabel('Action starts with').fill('ban.lift');
  await submit(f, 'Filter');
  const lift = page.locator('main tbody tr[data-key]', { hasText: 'ban.lift' }).first();
  await lift.waitFor();
  assert.match(await lift.textContent(), /admin/);
  assert.match(await lift.textContent(), /127\.0\.0\.1/);
  for (const fmt of ['csv', 'json']) {
    const href = await page.getByRole('link', { name: fmt.toUpperCase(), exact: true }).getAttribute('href');
    const r = await page.request.get(new URL(href, page.url()).href);
    assert.equal(r.status(), 200, `audit export ${fmt}`);
    assert.match(await r.text(), /ban\.lift/);
  }
  await shot(page, 'audit');

  // Security events: the bans made earlier; exports.
  await open(page, 'events');
  await page.locator('main tbody tr[data-key]').first().waitFor();
  assert.match(await page.locator('main tbody').textContent(), /127\.0\.0\.5/);
  for (const fmt of ['csv', 'json']) {
    const href = await page.getByRole('link', { name: fmt.toUpperCase(), exact: true }).getAttribute('href');
    const r = await page.request.get(new URL(href, page.url()).href);
    assert.equal(r.status(), 200, `security event export ${fmt}`);
    assert.match(await r.text(), /127\.0\.0\.5/);
  }
}
