// SPDX-License-Identifier: Apache-2.0
// The page list and the hash router: '#/bans' shows pages/bans.js. Each
// page says which roles may see it; the server checks again on every call.

export const SYS = ['system_admin'];
export const ADMINS = ['system_admin', 'tenant_admin'];
export const ALL = ['system_admin', 'tenant_admin', 'user'];

/* name -> {title, group, roles, module} (module under pages/) */
export const PAGES = {
  dashboard: { title: 'Dashboard', group: 'Overview', roles: SYS, module: 'dashboard.js' },
  bans: { title: 'Bans', group: 'Shield', roles: SYS, module: 'bans.js' },
  'ip-rules': { title: 'IP rules', group: 'Shield', roles: SYS, module: 'iprules.js' },
  security: { title: 'Anti-hacking', group: 'Shield', roles: SYS, module: 'security.js' },
  'ua-rules': { title: 'User-Agents', group: 'Shield', roles: SYS, module: 'uarules.js' },
  events: { title: 'Security events', group: 'Shield', roles: SYS, module: 'events.js' },
  tenants: { title: 'Tenants', group: 'Telephony', roles: SYS, module: 'tenants.js' },
  users: { title: 'Users', group: 'Telephony', roles: ADMINS, module: 'users.js' },
  trunks: { title: 'Trunks', group: 'Telephony', roles: SYS, module: 'trunks.js' },
  rules: { title: 'Call rules', group: 'Telephony', roles: ADMINS, module: 'rules.js' },
  accounts: { title: 'Portal accounts', group: 'Administration', roles: ADMINS, module: 'accounts.js' },
  audit: { title: 'Audit log', group: 'Administration', roles: ADMINS, module: 'audit.js' },
  support: { title: 'Support links', group: 'Administration', roles: SYS, module: 'support.js' },
  'admin-settings': { title: 'Admin settings', group: 'Administration', roles: SYS, module: 'adminsettings.js' },
  ssh: { title: 'Temporary SSH', group: 'Administration', roles: SYS, module: 'ssh.js' },
  checklist: { title: 'Security checklist', group: 'Administration', roles: SYS, module: 'checklist.js' },
  sessions: { title: 'Sessions', group: 'My account', roles: ALL, module: 'sessions.js' },
  '2fa': { title: 'Two-factor', group: 'My account', roles: ALL, module: 'twofa.js' },
  password: { title: 'Password', group: 'My account', roles: ALL, module: 'password.js' },
};

/** May 'me' see page 'name'? */
export function allowed(name, me) {
  const p = PAGES[name];
  if (!p || !me) return false;
  if (me.must_enrol_2fa) return name === '2fa';
  return p.roles.includes(me.role);
}

/** The first page 'me' may see. */
export function home(me) {
  return Object.keys(PAGES).find((n) => allowed(n, me)) || 'password';
}

/** The page named by location.hash ('#/bans?x=1' -> {name:'bans', params}). */
export function current() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, qs] = raw.split('?');
  return { name: decodeURIComponent(name || ''), params: new URLSearchParams(qs || '') };
}

/** Go to page 'name' (a hashchange renders it). */
export function go(name, params) {
  const qs = params ? `?${new URLSearchParams(params)}` : '';
  const want = `#/${name}${qs}`;
  if (location.hash === want) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = want;
  }
}
