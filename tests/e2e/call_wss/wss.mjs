// SPDX-License-Identifier: Apache-2.0
// SIP over secure WebSocket (RFC 7118) with a real WebRTC client: JsSIP
// (npm, tests/portal/package.json) in headless Debian Chromium through
// playwright-core. Phases, chosen by argv[2]:
//   call  - JsSIP registers over wss:// with digest auth (reg list shows a
//           wss binding), calls extension 200 (a SIPp phone on UDP), sees
//           the call confirmed, hangs up and sees the 200 to its BYE;
//   shield - from 127.0.0.8 (a CONNECT proxy of this test: the daemon never
//           bans its own addresses) raw `new WebSocket(url, 'sip')`
//           connections send REGISTERs with wrong digest answers until the
//           shield bans the address; then a new connection is refused.
// Every wait is bounded and waits for an event, never a fixed time.
// JsSIP 3.13 ships CommonJS only (no browser bundle): bundle() packs its
// modules and their dependencies into one script for page.addScriptTag.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { sourceProxy } from '../../portal/source_proxy.mjs';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set (run through run.sh)`);
  return v;
};
const NM = env('SW_NODE_MODULES'); // tests/portal/node_modules
const BIN = env('SW_BIN');
const CONF = env('SW_CONF');
const WSS = env('SW_WSS_URL'); // wss://127.0.0.1:5065
const DOMAIN = env('SW_DOMAIN');
const EXT = env('SW_EXT'); // the WebRTC user
const PASSWORD = env('SW_PASSWORD');
const CALLEE = env('SW_CALLEE', '200');
const UA = 'sipwarden-e2e-jssip';

const require = createRequire(path.join(NM, 'noop.js'));
const { chromium } = require('playwright-core');

function cli(...args) {
  const out = execFileSync(BIN, ['-c', CONF, ...args, '--json'], { encoding: 'utf8', timeout: 20000 });
  return JSON.parse(out);
}

/** Poll fn() (sync) until it returns a truthy value; at most ms. */
async function until(what, ms, fn) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A CommonJS bundle of 'entry' and what it requires, as one script. */
function bundle(entry, globalName) {
  const ids = new Map();
  const defs = [];
  const fileOf = (p) => {
    for (const c of [p, `${p}.js`, `${p}.json`, path.join(p, 'index.js')]) {
      if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
    }
    throw new Error(`cannot resolve ${p}`);
  };
  const resolve = (dir, spec) => {
    if (spec.startsWith('.')) return fileOf(path.resolve(dir, spec));
    const pkgDir = path.join(NM, spec);
    const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const main = typeof pj.browser === 'string' ? pj.browser : pj.main || 'index.js';
    return fileOf(path.resolve(pkgDir, main));
  };
  const add = (file) => {
    if (ids.has(file)) return ids.get(file);
    const id = defs.length;
    ids.set(file, id);
    defs.push(null);
    let src = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) src = `module.exports = ${src};`;
    const deps = {};
    for (const m of src.matchAll(/require\((['"])([^'"]+)\1\)/g)) {
      deps[m[2]] = add(resolve(path.dirname(file), m[2]));
    }
    defs[id] = `[function (module, exports, require) {\n${src}\n}, ${JSON.stringify(deps)}]`;
    return id;
  };
  add(entry);
  return `(function () {
var defs = [${defs.join(',\n')}];
var cache = {};
function load(i) {
  if (cache[i]) return cache[i].exports;
  var m = { exports: {} };
  cache[i] = m;
  defs[i][0].call(m.exports, m, m.exports, function (n) {
    var d = defs[i][1][n];
    if (d === undefined) throw new Error('module not bundled: ' + n);
    return load(d);
  });
  return m.exports;
}
window.${globalName} = load(0);
})();`;
}

/** Run SIPp with 'args' (bounded); resolves on exit 0, else throws. */
function runSipp(name, args) {
  const out = fs.openSync(path.join(env('SW_E2E_DIR'), `sipp-${name}.screen`), 'w');
  return new Promise((resolve, reject) => {
    const p = spawn('sipp', args, { stdio: ['ignore', out, out] });
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('exit', (code, sig) => {
      clearTimeout(t);
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`SIPp ${name} exited ${code ?? sig} (see sipp-${name}.*)`));
    });
  });
}

async function launch() {
  return chromium.launch({
    executablePath: process.env.SW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      // The page is not served by the daemon: let it reach 127.0.0.1.
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests',
    ],
  });
}

// The page: any secure origin will do; this one never touches the network.
const PAGE = 'https://webrtc.sipwarden.test/';

async function newPage(browser, extra = {}) {
  const context = await browser.newContext({ ...extra, ignoreHTTPSErrors: true });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  if (process.env.SW_WSS_DEBUG) page.on('console', (m) => console.log(`page: ${m.text()}`));
  await page.route(PAGE, (r) =>
    r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>wss</title><p>sipwarden WebRTC test</p>' }),
  );
  await page.goto(PAGE);
  // Every SIP message the page receives, for the assertions below.
  await page.evaluate(() => {
    const Orig = window.WebSocket;
    window.sipRx = [];
    function Patched(url, protocols) {
      const ws = new Orig(url, protocols);
      ws.addEventListener('message', (e) => window.sipRx.push(String(e.data)));
      return ws;
    }
    Patched.prototype = Orig.prototype;
    for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Patched[k] = Orig[k];
    window.WebSocket = Patched;
    // Chromium never ends ICE gathering in a namespace with loopback only
    // (no interface, no TURN server): when JsSIP starts waiting for the
    // end of candidates (it adds its listeners once the local description
    // is set), signal that end ourselves so it sends its INVITE or 200
    // (media is not under test). A JsSIP 'peerconnection' handler.
    window.endCandidates = (e) => {
      const pc = e.peerconnection;
      const add = pc.addEventListener.bind(pc);
      pc.addEventListener = (type, fn, opt) => {
        add(type, fn, opt);
        if (type === 'icegatheringstatechange' && pc.iceGatheringState !== 'complete') {
          queueMicrotask(() => pc.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: null })));
        }
      };
    };
  });
  return { context, page };
}

async function phaseCall() {
  const browser = await launch();
  try {
    const { page } = await newPage(browser);
    await page.addScriptTag({ content: bundle(path.join(NM, 'jssip/lib/JsSIP.js'), 'JsSIP') });
    assert.equal(await page.evaluate(() => typeof window.JsSIP.UA), 'function', 'JsSIP loaded');
    if (process.env.SW_WSS_DEBUG) await page.evaluate(() => window.JsSIP.debug.enable('JsSIP:*'));

    // 1. Register over WSS with digest authentication.
    const reg = await page.evaluate(
      ({ wss, domain, ext, password, ua }) =>
        new Promise((resolve) => {
          const socket = new window.JsSIP.WebSocketInterface(wss);
          const u = new window.JsSIP.UA({
            sockets: [socket],
            uri: `sip:${ext}@${domain}`,
            password,
            realm: domain,
            user_agent: ua,
            register: true,
            register_expires: 300,
            session_timers: false,
            connection_recovery_min_interval: 2,
            connection_recovery_max_interval: 2,
          });
          window.ua = u;
          const t = setTimeout(() => resolve({ ok: false, why: 'no registration result in 10 s' }), 10000);
          u.on('registered', (e) => {
            clearTimeout(t);
            resolve({ ok: true, status: e.response.status_code });
          });
          u.on('registrationFailed', (e) => {
            clearTimeout(t);
            resolve({ ok: false, why: e.cause, status: e.response && e.response.status_code });
          });
          u.start();
        }),
      { wss: WSS, domain: DOMAIN, ext: EXT, password: PASSWORD, ua: UA },
    );
    assert.ok(reg.ok, `JsSIP registration: ${JSON.stringify(reg)}`);
    const challenged = await page.evaluate(() => window.sipRx.some((m) => /^SIP\/2\.0 401 /.test(m)));
    assert.ok(challenged, 'the first REGISTER was challenged (401)');
    console.log(`registered over WSS (${reg.status})`);

    let rows;
    const binding = await until('a wss binding in reg list', 5000, () => {
      rows = cli('reg', 'list');
      const list = Array.isArray(rows) ? rows : rows.registrations || [];
      if (process.env.SW_WSS_DEBUG) console.log(`reg list: ${JSON.stringify(rows)}`);
      return list.find((b) => String(b.aor).includes(`${EXT}@${DOMAIN}`) && String(b.source).startsWith('wss:'));
    });
    assert.match(binding.contact, /transport=ws/i, 'the contact is a WebSocket one');
    console.log(`reg list: ${binding.aor} ${binding.source} ${binding.contact}`);

    // 2. Call the UDP phone, confirm, hang up.
    const call = await page.evaluate(
      ({ target }) =>
        new Promise((resolve) => {
          const ev = [];
          const t = setTimeout(() => resolve({ ok: false, why: 'no confirmation in 15 s', ev }), 15000);
          // Through eventHandlers: call() emits 'peerconnection' at once.
          const s = window.ua.call(target, {
            eventHandlers: { peerconnection: window.endCandidates },
            mediaConstraints: { audio: true, video: false },
            pcConfig: { iceServers: [], iceTransportPolicy: 'relay' },
          });
          window.session = s;
          for (const n of ['connecting', 'sending', 'progress', 'accepted']) s.on(n, () => ev.push(n));
          s.on('failed', (e) => {
            clearTimeout(t);
            resolve({ ok: false, why: `failed: ${e.cause}`, status: e.message && e.message.status_code, ev });
          });
          s.on('confirmed', () => {
            clearTimeout(t);
            ev.push('confirmed');
            resolve({ ok: true, ev });
          });
        }),
      { target: `sip:${CALLEE}@${DOMAIN}` },
    );
    assert.ok(call.ok, `JsSIP call: ${JSON.stringify(call)}`);
    console.log(`call confirmed (events: ${call.ev.join(', ')})`);
    const invite = await page.evaluate(() => window.sipRx.find((m) => /^SIP\/2\.0 200 /.test(m) && /CSeq:\s*\d+ INVITE/i.test(m)));
    assert.ok(invite, 'the 200 to the INVITE came over the WebSocket');
    assert.match(invite, /Record-Route:[^\r\n]*transport=ws/i, 'our Record-Route for the WSS side');

    const ended = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const t = setTimeout(() => resolve({ ok: false, why: 'no end in 10 s' }), 10000);
          window.session.on('ended', (e) => {
            clearTimeout(t);
            resolve({ ok: true, cause: e.cause, originator: e.originator });
          });
          window.session.terminate();
        }),
    );
    assert.ok(ended.ok, `hang-up: ${JSON.stringify(ended)}`);
    assert.equal(ended.originator, 'local');
    await page.waitForFunction(() => window.sipRx.some((m) => /^SIP\/2\.0 200 /.test(m) && /CSeq:\s*\d+ BYE/i.test(m)), null, {
      timeout: 10000,
    });
    console.log('hung up: BYE answered 200 over the WebSocket');

    // 3. The UDP phone calls the WebRTC client: reached over the WebSocket
    // connection it registered on; it answers, the phone hangs up.
    await page.evaluate(() => {
      window.inbound = [];
      window.ua.on('newRTCSession', (e) => {
        if (e.originator !== 'remote') return;
        const s = e.session;
        s.on('peerconnection', window.endCandidates);
        s.on('confirmed', () => window.inbound.push('confirmed'));
        s.on('ended', (x) => window.inbound.push(`ended:${x.originator}`));
        s.on('failed', (x) => window.inbound.push(`failed:${x.cause}`));
        s.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [], iceTransportPolicy: 'relay' } });
      });
    });
    await runSipp('inbound', JSON.parse(env('SW_SIPP_INBOUND')));
    await page.waitForFunction(() => window.inbound.includes('ended:remote') || window.inbound.some((x) => x.startsWith('failed')), null, {
      timeout: 10000,
    });
    const inbound = await page.evaluate(() => window.inbound);
    assert.deepEqual(inbound, ['confirmed', 'ended:remote'], 'the incoming call was answered, then hung up by the phone');
    console.log(`incoming call from the UDP phone: ${inbound.join(', ')}`);

    await page.evaluate(
      () =>
        new Promise((resolve) => {
          const t = setTimeout(resolve, 5000);
          window.ua.on('unregistered', () => {
            clearTimeout(t);
            resolve();
          });
          window.ua.stop();
        }),
    );
    assert.deepEqual(page.errors, [], 'no page errors');
  } finally {
    await browser.close();
  }
}

async function phaseShield() {
  const source = env('SW_BAN_SOURCE'); // 127.0.0.8
  const threshold = Number(env('SW_AUTH_THRESHOLD'));
  const proxy = await sourceProxy(source);
  const browser = await launch();
  try {
    const { page } = await newPage(browser, { proxy: { server: proxy.server } });
    // One attempt: open a WebSocket, REGISTER, answer the 401 with a wrong
    // password, wait for the second 401 (or the connection's end).
    const attempt = (n) =>
      page.evaluate(
        ({ wss, domain, ext, ua, n }) =>
          new Promise((resolve) => {
            const ws = new WebSocket(wss, 'sip');
            const cid = `wss-shield-${n}-${Math.random().toString(16).slice(2)}`;
            const tag = `t${n}`;
            const branch = () => `z9hG4bK${Math.random().toString(16).slice(2)}`;
            const t = setTimeout(() => {
              ws.close();
              resolve({ state: 'timeout' });
            }, 5000);
            const req = (cseq, auth) =>
              [
                `REGISTER sip:${domain} SIP/2.0`,
                `Via: SIP/2.0/WSS shield${n}.invalid;branch=${branch()}`,
                'Max-Forwards: 70',
                `From: <sip:${ext}@${domain}>;tag=${tag}`,
                `To: <sip:${ext}@${domain}>`,
                `Call-ID: ${cid}`,
                `CSeq: ${cseq} REGISTER`,
                `Contact: <sip:${ext}@shield${n}.invalid;transport=ws>`,
                'Expires: 60',
                `User-Agent: ${ua}`,
                ...(auth ? [auth] : []),
                'Content-Length: 0',
                '',
                '',
              ].join('\r\n');
            let opened = false;
            ws.onopen = () => {
              opened = true;
              ws.send(req(1));
            };
            ws.onmessage = (e) => {
              const m = String(e.data);
              const st = Number((/^SIP\/2\.0 (\d{3})/.exec(m) || [])[1]);
              if (st === 401 && /CSeq: 1 /.test(m)) {
                // The first challenge, answered in its own algorithm with
                // a well-formed response that no password gives.
                const ch = (/WWW-Authenticate:[^\r\n]*/i.exec(m) || [''])[0];
                const realm = (/realm="([^"]*)"/.exec(ch) || [])[1];
                const nonce = (/nonce="([^"]*)"/.exec(ch) || [])[1];
                const opaque = (/opaque="([^"]*)"/.exec(ch) || [])[1];
                const alg = (/algorithm=([A-Za-z0-9-]+)/.exec(ch) || [, 'MD5'])[1];
                const bytes = new Uint8Array(/256/.test(alg) ? 32 : 16);
                crypto.getRandomValues(bytes);
                const resp = Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
                ws.send(
                  req(
                    2,
                    `Authorization: Digest username="${ext}", realm="${realm}", nonce="${nonce}", ` +
                      `uri="sip:${domain}", response="${resp}", algorithm=${alg}` +
                      (opaque !== undefined ? `, opaque="${opaque}"` : ''),
                  ),
                );
                return;
              }
              clearTimeout(t);
              ws.close();
              resolve({ state: 'answered', status: st });
            };
            ws.onclose = () => {
              clearTimeout(t);
              resolve({ state: opened ? 'closed' : 'refused' });
            };
          }),
        { wss: WSS, domain: DOMAIN, ext: EXT, ua: UA, n },
      );

    let banned = null;
    const results = [];
    for (let i = 1; i <= threshold + 3 && !banned; i += 1) {
      results.push(await attempt(i));
      const bans = cli('ban', 'list');
      const list = Array.isArray(bans) ? bans : bans.bans || [];
      banned = list.find((b) => String(b.net).split('/')[0] === source) || null;
    }
    assert.ok(banned, `${source} banned after wrong answers: ${JSON.stringify(results)}`);
    assert.equal(banned.reason, 'auth_failures', `ban reason: ${JSON.stringify(banned)}`);
    assert.ok(results.filter((r) => r.state === 'answered' && r.status === 401).length >= 1, `401s seen: ${JSON.stringify(results)}`);
    console.log(`banned ${banned.net} (${banned.reason}) after ${results.length} WebSocket clients`);

    // A new WebSocket from the banned address never opens.
    const after = await attempt(999);
    assert.equal(after.state, 'refused', `new connection from ${source}: ${JSON.stringify(after)}`);
    console.log(`a new WSS connection from ${source}: ${after.state}`);
  } finally {
    await browser.close();
    await proxy.close();
  }
}

const phase = process.argv[2];
if (phase === 'call') await phaseCall();
else if (phase === 'shield') await phaseShield();
else throw new Error(`unknown phase ${phase}`);
console.log(`${phase}: ok`);
