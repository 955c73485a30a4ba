// SPDX-License-Identifier: Apache-2.0
// The security checklist page as a system administrator: a known failing
// item (the detection period set to 1 s with the CLI: shield.thresholds)
// is listed under "Failing" with its evidence and its fix, the page's
// counts match GET /security-checklist, and text from the database is
// shown as text (a whitelist description holding markup, quoted by the
// whitelist.broad warning, creates no element). The settings are put
// back afterwards.

import { assert, apiGet, cli, open, shot } from './lib.mjs';

export const title = 'security checklist: a failing item with its fix, text-only rendering';

const MARKUP = '<img src=x id=injected>';

export async function run(S) {
  const { page } = S.admin;
  page.errors.length = 0;
  cli('security', 'set', 'detection_period_s', '1');
  cli('ip', 'allow', '10.0.0.0/8', '--descr', MARKUP);
  try {
    await open(page, 'checklist');
    const api = await apiGet(page, '/security-checklist');
    assert.equal(api.status, 200, 'GET /security-checklist');
    const byId = Object.fromEntries(api.body.items.map((i) => [i.id, i]));
    assert.equal(byId['shield.thresholds'].status, 'fail', 'API: thresholds fail');

    const failing = page.locator('main section[data-status="fail"]');
    await failing.waitFor();
    assert.match(await failing.locator('h2').textContent(), /^Failing \(\d+\)$/);
    const item = failing.locator('tr[data-id="shield.thresholds"]');
    assert.equal(await item.count(), 1, 'thresholds item under Failing');
    assert.match(await item.locator('.checklist-evidence').textContent(), /detection_period_s = 1/);
    assert.match(await item.locator('.checklist-fix').textContent(), /^sipwarden security set KEY VALUE/);

    const summary = await page.locator('#checklist-summary').textContent();
    assert.ok(summary.includes(`${api.body.summary.fail} failing`), `summary: ${summary}`);
    assert.equal(await page.locator('main tr.checklist-item').count(), api.body.items.length, 'every item shown');

    // Text only: the description is quoted, never parsed.
    const broad = page.locator('main tr[data-id="whitelist.broad"]');
    assert.equal(await broad.getAttribute('data-status'), 'warn');
    assert.ok((await broad.locator('.checklist-evidence').textContent()).includes(MARKUP), 'markup shown as text');
    assert.equal(await page.locator('#injected').count(), 0, 'no element from the evidence');
    // Passing items carry no fix.
    const passFixes = await page.locator('main section[data-status="pass"] .checklist-fix').allTextContents();
    assert.ok(passFixes.length > 0 && passFixes.every((t) => t === ''), 'no fix on passing items');
    assert.deepEqual(page.errors, [], 'console errors');
    await shot(page, 'checklist');
  } finally {
    cli('security', 'set', 'detection_period_s', '60');
    cli('ip', 'rm', '10.0.0.0/8');
  }
}
