// SPDX-License-Identifier: Apache-2.0
// DOM building without innerHTML: every string from the API ends up in a
// text node or an attribute value, never parsed as markup.

/**
 * h('button', {class: 'x', onclick: fn}, 'text', child...) -> element.
 * Attributes: "class", "dataset" (object), "on<event>" (listener), boolean
 * true sets an empty attribute, false/null/undefined leaves it out.
 * Children: strings and numbers become text nodes; arrays are flattened;
 * null/undefined/false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'value' && 'value' in el) {
      el.value = String(v);
    } else if (k === 'checked' && tag === 'input') {
      el.checked = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/**
 * Append children (strings, numbers, nodes, nested arrays; null,
 * undefined and false are skipped, unlike Element.append) to 'el'.
 */
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace every child of 'el' with 'children'. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
/** A fresh id for label/input pairs. */
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Unix seconds as "YYYY-MM-DD HH:MM:SS" (local time); "" for 0. */
export function fmtTime(s) {
  if (!s) return '';
  const d = new Date(Number(s) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Seconds as "1 h 5 min" style text. */
export function fmtDuration(s) {
  s = Math.max(0, Math.round(Number(s) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  const hrs = Math.floor((s % 86400) / 3600);
  return `${Math.floor(s / 86400)} d${hrs ? ` ${hrs} h` : ''}`;
}

/** A status line (role=status) that pages use for success notes. */
export function notice(text, kind = 'ok') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
