// SPDX-License-Identifier: Apache-2.0
// Tables fed by list endpoints: paging (limit/offset), sorting by a
// column (sort=field / -field, done by the server), a row key for tests
// and per-row action buttons.

import { h, replace } from './dom.js';
import { problemText } from './form.js';

/**
 * makeTable({caption, columns, load, pageSize, rowKey, actions, empty,
 *            sort, paged})
 * columns: [{key, label, sort (bool), render(row) -> node|string}]
 * load({limit, offset, sort}) -> {rows, total} (total may be undefined:
 *   then "next" is offered while a page comes back full).
 * actions(row, table) -> [nodes] for the last column.
 * Returns {el, reload(), rows()}; el.dataset.loads counts finished loads.
 */
export function makeTable(spec) {
  const pageSize = spec.pageSize || 25;
  let offset = 0;
  let sort = spec.sort || '';
  let rows = [];
  let loads = 0;
  let seq = 0;

  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'table' },
    spec.caption ? h('caption', {}, spec.caption) : null, thead, tbody);
  const status = h('span', { class: 'pager-status', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', onclick: () => go(-1) }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn btn-small', onclick: () => go(1) }, 'Next');
  const pager = h('div', { class: 'pager' }, prev, status, next);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const wrap = h('div', { class: 'table-wrap' }, error, h('div', { class: 'table-scroll' }, table),
    spec.paged === false ? null : pager);

  function headers() {
    const tr = h('tr');
    for (const c of spec.columns) {
      if (!c.sort) {
        tr.append(h('th', { scope: 'col' }, c.label));
        continue;
      }
      const dir = sort === c.key ? 'ascending' : sort === `-${c.key}` ? 'descending' : 'none';
      const mark = dir === 'ascending' ? ' \u25B2' : dir === 'descending' ? ' \u25BC' : '';
      tr.append(h('th', { scope: 'col', 'aria-sort': dir },
        h('button', {
          type: 'button',
          class: 'th-sort',
          onclick: () => {
            sort = sort === c.key ? `-${c.key}` : c.key;
            offset = 0;
            reload();
          },
        }, c.label, mark)));
    }
    if (spec.actions) tr.append(h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')));
    replace(thead, tr);
  }

  function go(dir) {
    offset = Math.max(0, offset + dir * pageSize);
    reload();
  }

  async function reload() {
    const my = ++seq;
    headers();
    error.hidden = true;
    let res;
    try {
      res = await spec.load({ limit: pageSize, offset, sort });
    } catch (err) {
      if (my !== seq) return;
      error.textContent = problemText(err);
      error.hidden = false;
      rows = [];
      replace(tbody);
      wrap.dataset.loads = String(++loads);
      return;
    }
    if (my !== seq) return;
    rows = res.rows || [];
    const total = res.total;
    const body = [];
    for (const row of rows) {
      const tr = h('tr', { dataset: spec.rowKey ? { key: spec.rowKey(row) } : {} });
      for (const c of spec.columns) {
        const v = c.render ? c.render(row) : row[c.key];
        tr.append(h('td', { class: c.class || null }, v === undefined || v === null ? '' : v));
      }
      if (spec.actions) tr.append(h('td', { class: 'actions' }, spec.actions(row, api)));
      body.push(tr);
    }
    if (!body.length) {
      body.push(h('tr', { class: 'empty' },
        h('td', { colspan: spec.columns.length + (spec.actions ? 1 : 0) }, spec.empty || 'Nothing here.')));
    }
    replace(tbody, body);
    const first = rows.length ? offset + 1 : 0;
    const last = offset + rows.length;
    status.textContent = total === undefined || total === null
      ? `${first}\u2013${last}`
      : `${first}\u2013${last} of ${total}`;
    prev.disabled = offset === 0;
    next.disabled = total === undefined || total === null ? rows.length < pageSize : last >= total;
    wrap.dataset.loads = String(++loads);
  }

  const api = { el: wrap, reload, rows: () => rows };
  return api;
}

/** A small button for table rows. */
export function rowButton(label, onclick, extra = {}) {
  return h('button', { type: 'button', class: `btn btn-small ${extra.class || ''}`.trim(), onclick, 'aria-label': extra.aria || null }, label);
}

/** Page and sort an array the server gives whole: same shape as load(). */
export function localPage(all, { limit, offset, sort }) {
  let rows = all.slice();
  if (sort) {
    const desc = sort.startsWith('-');
    const key = desc ? sort.slice(1) : sort;
    rows.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
      return desc ? -c : c;
    });
  }
  return { rows: rows.slice(offset, offset + limit), total: all.length };
}
