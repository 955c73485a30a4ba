// SPDX-License-Identifier: Apache-2.0
// The tenant a page works on: a list of tenants for system administrators,
// the caller's own tenant otherwise. The choice is remembered per tab.

import { h, nextId } from './dom.js';
import { query } from './api.js';

const KEY = 'sw.tenant';

/** The domain a non-system caller belongs to, when /auth/me tells it. */
function ownDomain(me) {
  if (me.domain) return me.domain;
  if (me.tenant) return me.tenant;
  const at = (me.user || '').indexOf('@');
  return at >= 0 ? me.user.slice(at + 1) : '';
}

/**
 * tenantPicker(ctx, onChange, wanted) -> {el, value()}: calls
 * onChange(domain) whenever the choice changes (the page loads the first).
 */
export async function tenantPicker(ctx, onChange, wanted) {
  const id = nextId('tenant');
  let value = '';
  const wrap = h('div', { class: 'tenant-picker' });
  if (ctx.me.role === 'system_admin') {
    const r = await ctx.api.get(`/tenants${query({ limit: 1000, sort: 'domain' })}`);
    const domains = (r.tenants || []).map((t) => t.domain);
    const sel = h('select', { id }, domains.map((d) => h('option', { value: d }, d)));
    const pick = [wanted, sessionStorage.getItem(KEY)].find((d) => d && domains.includes(d)) || domains[0] || '';
    sel.value = pick;
    value = pick;
    sel.addEventListener('change', () => {
      value = sel.value;
      sessionStorage.setItem(KEY, value);
      onChange(value);
    });
    wrap.append(h('label', { for: id }, 'Tenant'), sel);
    if (!domains.length) wrap.append(h('span', { class: 'hint' }, 'No tenant yet: add one on the Tenants page.'));
  } else {
    value = ownDomain(ctx.me) || wanted || sessionStorage.getItem(KEY) || '';
    const input = h('input', { id, value, placeholder: 'example.com' });
    const show = h('button', { type: 'button', class: 'btn btn-small' }, 'Show');
    show.addEventListener('click', () => {
      value = input.value.trim();
      sessionStorage.setItem(KEY, value);
      onChange(value);
    });
    wrap.append(h('label', { for: id }, 'Tenant domain'), input, show);
  }
  if (value) sessionStorage.setItem(KEY, value);
  return { el: wrap, value: () => value };
}
