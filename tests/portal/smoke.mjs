// SPDX-License-Identifier: Apache-2.0
// Every page as a system administrator: it loads without a console error
// or exception and shows its table or form, with no error and no stray
// "null"/"undefined" on the page.

import { assert, open, shot } from './lib.mjs';

export const title = 'every page loads without a console error and shows its table or form';

export const PAGES = ['dashboard', 'bans', 'ip-rules', 'security', 'ua-rules', 'events', 'tenants', 'users',
  'trunks', 'rules', 'accounts', 'audit', 'support', 'admin-settings', 'ssh', 'checklist', 'sessions', '2fa', 'password'];

export async function run(S) {
  const { page } = S.admin;
  const links = await page.locator('nav a[data-page]').evaluateAll((as) => as.map((a) => a.dataset.page));
  assert.deepEqual([...links].sort(), [...PAGES].sort(), 'the navigation offers every page');
  for (const name of PAGES) {
    page.errors.length = 0;
    await page.locator(`nav a[data-page="${name}"]`).click();
    await page.locator(`main[data-ready="${name}"]`).waitFor();
    const n = await page.locator('main table, main form').count();
    assert.ok(n >= 1, `${name}: a table or a form`);
    const errs = await page.locator('main .form-error:not([hidden])').allTextContents();
    assert.deepEqual(errs.filter((t) => t.trim()), [], `${name}: errors on the page`);
    assert.deepEqual(page.errors, [], `${name}: console errors`);
    const stray = await page.locator('main').evaluate((m) => {
      const out = [];
      const walk = document.createTreeWalker(m, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.parentElement.closest('table') && /\bnull\b|\bundefined\b|\[object Object\]|\bNaN\b/.test(n.data)) out.push(n.data);
      }
      return out;
    });
    assert.deepEqual(stray, [], `${name}: a stray value in the page`);
    assert.equal(await page.locator('nav a[aria-current="page"]').getAttribute('data-page'), name);
    await shot(page, `page-${name}`);
  }
}
