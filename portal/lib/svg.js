// SPDX-License-Identifier: Apache-2.0
// An SVG from the API (the enrolment QR code) parsed with DOMParser and
// rebuilt from a short list of drawing elements and attributes, so no
// script, link, event handler or inline style can come along.

const NS = 'http://www.w3.org/2000/svg';
const ELEMENTS = new Set(['svg', 'g', 'rect', 'path', 'polygon', 'circle', 'title', 'desc']);
const ATTRS = new Set(['width', 'height', 'viewBox', 'x', 'y', 'd', 'fill', 'stroke', 'stroke-width',
  'shape-rendering', 'points', 'cx', 'cy', 'r', 'transform', 'fill-rule', 'preserveAspectRatio']);
const SAFE_VALUE = /^[#a-zA-Z0-9 .,\-()%]*$/;

function copy(src) {
  const name = src.localName;
  if (!ELEMENTS.has(name)) return null;
  const el = document.createElementNS(NS, name);
  for (const a of Array.from(src.attributes)) {
    if (ATTRS.has(a.name) && SAFE_VALUE.test(a.value)) el.setAttribute(a.name, a.value);
  }
  for (const c of Array.from(src.childNodes)) {
    if (c.nodeType === Node.ELEMENT_NODE) {
      const k = copy(c);
      if (k) el.append(k);
    } else if (c.nodeType === Node.TEXT_NODE && (name === 'title' || name === 'desc')) {
      el.append(document.createTextNode(c.textContent));
    }
  }
  return el;
}

/** An <svg> element built from SVG text, or null when it is not SVG. */
export function safeSvg(text) {
  if (typeof text !== 'string' || !text) return null;
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) return null;
  return copy(root);
}
