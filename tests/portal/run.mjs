// SPDX-License-Identifier: Apache-2.0
// The portal's browser tests, in order (each needs the state the previous
// ones left: the changed password, the 2FA secret, the signed-in page;
// the blocking test is last since it blocks an address). Stops at the
// first failure, with a screenshot of the administrator's page; exits 1.

import { env, launch, shot } from './lib.mjs';
import * as firstSignin from './first_signin.mjs';
import * as twofa from './twofa.mjs';
import * as bans from './bans.mjs';
import * as dashboard from './dashboard.mjs';
import * as pages from './pages.mjs';
import * as ssh from './ssh.mjs';
import * as checklist from './checklist.mjs';
import * as smoke from './smoke.mjs';
import * as roles from './roles.mjs';
import * as loginBlock from './login_block.mjs';

const TESTS = [firstSignin, twofa, bans, dashboard, pages, ssh, checklist, smoke, roles, loginBlock];

const t0 = Date.now();
const S = { env, browser: await launch() };
let failed = 0;
let passed = 0;
try {
  for (const t of TESTS) {
    const start = Date.now();
    try {
      await t.run(S);
      passed += 1;
      console.log(`ok   ${t.title} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${t.title} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
      console.log(err && err.stack ? err.stack : String(err));
      if (S.admin) {
        try {
          console.log(`page errors: ${JSON.stringify(S.admin.page.errors)}`);
          console.log(`screenshot: ${await shot(S.admin.page, 'failure')}`);
        } catch (e) {
          /* the page may be gone */
        }
      }
      break;
    }
  }
} finally {
  await S.browser.close();
}
const skipped = TESTS.length - passed - failed;
console.log(`portal: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} not run` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed || skipped ? 1 : 0);
