// SPDX-License-Identifier: Apache-2.0
// Shared by the portal's browser tests: the environment run.sh passes,
// Chromium through playwright-core, TOTP codes (RFC 6238), SIP probes from
// a chosen loopback address, the CLI, and small waits on conditions (no
// sleeps: every wait is for a selector, a response or a page's counter).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through tests/e2e/portal/run.sh)`);
  return v;
}

export const env = {
  url: need('SW_PORTAL_URL'), // https://127.0.0.1:8887
  bin: need('SW_BIN'),
  conf: need('SW_CONF'),
  shots: need('SW_SHOTS'),
  sipHost: process.env.SW_SIP_HOST || '127.0.0.1',
  sipPort: Number(process.env.SW_SIP_PORT || 5060),
};

export { assert };

/** Headless Debian Chromium (root: no sandbox). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.SW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh browser context (its own cookies; 'extra' adds context options
 * such as a proxy) and page with the console errors and page exceptions
 * collected in page.errors.
 */
export async function newPage(browser, extra = {}) {
  const context = await browser.newContext({
    ...extra,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()} (${m.location().url || ''})`);
  });
  page.on('pageerror', (e) => page.errors.push(`exception: ${e.message}`));
  return { context, page };
}

/** Save a full-page screenshot as SW_SHOTS/<name>.png; returns its path. */
export async function shot(page, name) {
  fs.mkdirSync(env.shots, { recursive: true });
  const file = path.join(env.shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Wait until <main> says page 'name' has finished rendering. */
export async function ready(page, name) {
  await page.locator(`main[data-ready="${name}"]`).waitFor();
}

/** Go to '#/<name>' and wait until it has rendered. */
export async function open(page, name) {
  await page.evaluate((n) => {
    location.hash = `#/${n}`;
  }, name);
  await ready(page, name);
}

/** The sign-in form's fields and button. */
export function signinForm(page) {
  return {
    username: page.getByLabel('Username'),
    password: page.getByLabel('Password', { exact: true }),
    otp: page.getByLabel('Authentication code'),
    newPassword: page.getByLabel('New password', { exact: true }),
    confirm: page.getByLabel('Confirm new password'),
    submit: page.locator('main form button[type="submit"]'),
  };
}

/**
 * Submit the sign-in form and wait for the answer of POST /auth/login;
 * returns its HTTP status.
 */
export async function submitLogin(page) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login') && r.request().method() === 'POST'),
    signinForm(page).submit.click(),
  ]);
  return resp.status();
}

/** The visible error of the field labelled 'label' (its data-rule and text). */
export async function fieldError(page, label) {
  const input = page.getByLabel(label, { exact: true });
  const id = await input.getAttribute('id');
  const err = page.locator(`#${id}-err`);
  await err.waitFor({ state: 'visible' });
  return { rule: await err.getAttribute('data-rule'), text: (await err.textContent()).trim() };
}

/** The visible form-level error of the form inside 'scope'. */
export async function formError(scope) {
  const err = scope.locator('.form-error:not([hidden])').first();
  await err.waitFor({ state: 'visible' });
  return { rule: await err.getAttribute('data-rule'), text: (await err.textContent()).trim() };
}

/* ---- TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) ------------------ */

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let acc = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** HOTP value of 'key' (bytes) at counter 'step', 'digits' long. */
export function hotp(key, step, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code of a base32 secret for 30-second step 'step'. */
export function totp(secretB32, step) {
  return hotp(base32Decode(secretB32), step);
}

/** The current 30-second step. */
export function totpStep(nowMs = Date.now()) {
  return Math.floor(nowMs / 1000 / 30);
}

// RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits).
assert.equal(hotp(Buffer.from('12345678901234567890'), 1, 8), '94287082', 'HOTP self-test');

/* ---- SIP and the CLI --------------------------------------------------- */

/**
 * Send one SIP OPTIONS from 'src' (a local address such as 127.0.0.5)
 * with User-Agent 'ua' to the daemon; resolves once it is sent.
 */
export function sipOptions(src, ua) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.on('error', reject);
    sock.bind(0, src, () => {
      const port = sock.address().port;
      const tag = crypto.randomBytes(6).toString('hex');
      const msg = [
        `OPTIONS sip:${env.sipHost}:${env.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP ${src}:${port};branch=z9hG4bK${tag};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@${src}>;tag=${tag}`,
        `To: <sip:probe@${env.sipHost}>`,
        `Call-ID: ${tag}@${src}`,
        'CSeq: 1 OPTIONS',
        `User-Agent: ${ua}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, env.sipPort, env.sipHost, (err) => {
        sock.close();
        if (err) reject(err);
        else resolve();
      });
    });
  });
}

/** `sipwarden -c CONF ARGS... --json` parsed. */
export function cli(...args) {
  const out = execFileSync(env.bin, ['-c', env.conf, ...args, '--json'], { encoding: 'utf8', timeout: 20000 });
  return JSON.parse(out);
}

/** GET /api/v1<path> from inside 'page' (its cookie session); {status, body}. */
export async function apiGet(page, p) {
  return page.evaluate(async (u) => {
    const r = await fetch(`/api/v1${u}`, { credentials: 'same-origin' });
    const t = await r.text();
    let body = null;
    try {
      body = JSON.parse(t);
    } catch (e) {
      body = t;
    }
    return { status: r.status, body };
  }, p);
}

/**
 * Click 'Refresh' on the page until a table row keyed 'key' is there, at
 * most 'ms' (each round waits for the table's next load, no sleep).
 */
export async function refreshUntilRow(page, key, ms = 5000) {
  const row = page.locator(`tr[data-key="${key}"]`);
  const wrap = page.locator('main .table-wrap').first();
  const end = Date.now() + ms;
  for (;;) {
    if (await row.count()) return row;
    if (Date.now() > end) throw new Error(`no row ${key} after ${ms} ms`);
    const loads = await wrap.getAttribute('data-loads');
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.waitForFunction(
      (n) => document.querySelector('main .table-wrap').dataset.loads !== n, loads);
  }
}

/**
 * GET 'url' from local address 'from' (not the browser's, so a refusal
 * cannot count against the browser's address); resolves {status, body}.
 */
export async function httpsGetFrom(url, from) {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { localAddress: from, rejectUnauthorized: false, timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

// The CONNECT proxy lives in its own module: the WSS case uses it too.
export { sourceProxy } from './source_proxy.mjs';
