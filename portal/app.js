// SPDX-License-Identifier: Apache-2.0
// The portal's entry point: who is signed in (GET /auth/me), the
// navigation for that role, and rendering the page the hash names. Pages
// live in pages/*.js and export render(main, ctx).

import * as api from './lib/api.js';
import { h, replace } from './lib/dom.js';
import { PAGES, allowed, current, go, home } from './lib/router.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signout = document.getElementById('signout');

const state = { me: null, cleanup: null, renderSeq: 0, flash: '' };

const ROLE_NAMES = { system_admin: 'system administrator', tenant_admin: 'tenant administrator', user: 'user' };

function buildNav() {
  replace(nav);
  if (!state.me) {
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  const groups = new Map();
  for (const [name, p] of Object.entries(PAGES)) {
    if (!allowed(name, state.me)) continue;
    if (!groups.has(p.group)) groups.set(p.group, []);
    groups.get(p.group).push(h('li', {}, h('a', { href: `#/${name}`, dataset: { page: name } }, p.title)));
  }
  for (const [group, items] of groups) {
    nav.append(h('h2', {}, group), h('ul', {}, items));
  }
}

function markNav(name) {
  for (const a of nav.querySelectorAll('a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function showWho() {
  if (!state.me) {
    replace(who);
    signout.hidden = true;
    return;
  }
  const role = ROLE_NAMES[state.me.role] || state.me.role;
  replace(who, h('span', { class: 'who-name' }, state.me.name), ' \u00B7 ', role);
  signout.hidden = false;
}

async function loadMe() {
  try {
    const me = await api.get('/auth/me', { quiet: true });
    if (me.csrf_token) api.setCsrf(me.csrf_token);
    state.me = me;
  } catch (e) {
    state.me = null;
  }
  return state.me;
}

function ctx() {
  return {
    me: state.me,
    api,
    go,
    /** After sign-in (or a support session): reload who we are and go on. */
    async signedIn(login) {
      if (login && login.csrf_token) api.setCsrf(login.csrf_token);
      await loadMe();
      buildNav();
      showWho();
      const { name } = current();
      go(name && allowed(name, state.me) && name !== 'signin' ? name : home(state.me));
    },
    async refreshMe() {
      await loadMe();
      buildNav();
      showWho();
      return state.me;
    },
    signedOut(message) {
      signedOut(message);
    },
  };
}

function signedOut(message) {
  state.me = null;
  api.setCsrf('');
  state.flash = message || '';
  buildNav();
  showWho();
  render();
}

async function render() {
  const seq = ++state.renderSeq;
  if (state.cleanup) {
    try {
      state.cleanup();
    } catch (e) {
      /* a page's cleanup must not stop the next page */
    }
    state.cleanup = null;
  }
  let { name } = current();
  let module = 'signin.js';
  let title = 'Sign in';
  if (state.me) {
    if (!allowed(name, state.me)) {
      go(home(state.me));
      return;
    }
    module = PAGES[name].module;
    title = PAGES[name].title;
  } else {
    name = 'signin';
  }
  delete main.dataset.ready;
  main.dataset.page = name;
  document.title = `${title} \u00B7 sipwarden`;
  markNav(name);
  replace(main, h('p', { class: 'loading' }, 'Loading\u2026'));
  let mod;
  try {
    mod = await import(`./pages/${module}`);
  } catch (e) {
    replace(main, h('p', { class: 'form-error', role: 'alert' }, `This page did not load: ${e.message}`));
    return;
  }
  if (seq !== state.renderSeq) return;
  replace(main);
  const c = ctx();
  c.flash = state.flash;
  state.flash = '';
  try {
    const cleanup = await mod.render(main, c);
    if (seq !== state.renderSeq) {
      if (typeof cleanup === 'function') cleanup();
      return;
    }
    state.cleanup = typeof cleanup === 'function' ? cleanup : null;
  } catch (e) {
    if (seq !== state.renderSeq) return;
    main.append(h('p', { class: 'form-error', role: 'alert' }, `This page failed: ${e.message}`));
  }
  main.dataset.ready = name;
}

api.setUnauthorizedHandler(() => {
  if (state.me) signedOut('Your session has ended. Please sign in again.');
});
api.setSecondFactorHandler// A support link lands on "/#csrf=TOKEN": keep the session's CSRF token
// and take it out of the address bar before anything else runs.
if (location.hash.startsWith('#csrf=')) {
  api.setCsrf(decodeURIComponent(location.hash.slice(6)));
  history.replaceState(null, '', location.pathname);
}

(async () => {
  await loadMe();
  buildNav();
  go('2fa');
});

signout.addEventListener('click', async () => {
  try {
    await api.post('/auth/logout', {}, { quiet: true });
  } catch (e) {
    /* signed out either way */
  }
  signedOut('You have signed out.');
});

window.addEventListener('hashchange', render);

// A support link lands on "/#csrf=TOKEN": keep the session's CSRF token
// and take it out of the address bar before anything else runs.
if (location.hash.startsWith('#csrf=')) {
  api.setCsrf(decodeURIComponent(location.hash.slice(6)));
  history.replaceState(null, '', location.pathname);
}

(async () => {
  await loadMe();
  buildNav();
  showWho();
  if (state.me && !current().name) {
    go(home(state.me));
    return;
  }
  render();
})();
