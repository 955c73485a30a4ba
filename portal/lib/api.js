// SPDX-License-Identifier: Apache-2.0
// The REST API client: JSON in and out, the CSRF token on every change
// (cookie sessions), problem+json answers turned into ApiError.

const BASE = '/api/v1';
const CSRF_KEY = 'sw.csrf';

/** An answer that was not 2xx; 'problem' is the problem+json document. */
export class ApiError extends Error {
  constructor(status, problem, headers) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.field = p.field || '';
    this.rule = p.rule || '';
    this.headers = headers;
  }

  /** Text for the person at the screen: detail, else title. */
  get text() {
    return this.detail || this.title || `request failed (HTTP ${this.status})`;
  }
}

export function setCsrf(token) {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

function csrf() {
  return sessionStorage.getItem(CSRF_KEY) || '';
}

let onUnauthorized = null;
let onSecondFactor = null;

/** Called when a call answers 401 outside the sign-in (session gone). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Called when a call answers 403 rule=2fa_required. */
export function setSecondFactorHandler(fn) {
  onSecondFactor = fn;
}

/** '?a=1&b=2' from an object (empty values left out). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Path segment escaping for names put in URLs. */
export function seg(v) {
  return encodeURIComponent(String(v));
}

/**
 * call('POST', '/tenants', {domain}) -> parsed JSON (null for 204).
 * Throws ApiError for any non-2xx answer. opts.quiet: no global 401 /
 * 2FA handling (the sign-in page handles those itself).
 */
export async function call(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf();
  let r;
  try {
    r = await fetch(BASE + path, init);
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: 'the server did not answer' });
  }
  let doc = null;
  const type = r.headers.get('content-type') || '';
  if (r.status !== 204 && type.includes('json')) {
    try {
      doc = await r.json();
    } catch (e) {
      doc = null;
    }
  }
  if (!r.ok) {
    const err = new ApiError(r.status, doc, r.headers);
    if (!opts.quiet && r.status === 401 && onUnauthorized) onUnauthorized(err);
    if (!opts.quiet && r.status === 403 && err.rule === '2fa_required' && onSecondFactor) {
      onSecondFactor(err);
    }
    throw err;
  }
  return doc;
}

export const get = (path, opts) => call('GET', path, undefined, opts);
export const post = (path, body, opts) => call('POST', path, body === undefined ? {} : body, opts);
export const put = (path, body, opts) => call('PUT', path, body, opts);
export const patch = (path, body, opts) => call('PATCH', path, body, opts);
export const del = (path, opts) => call('DELETE', path, undefined, opts);

let routes = null;
/**
 * Does the server offer METHOD PATH (as written in the OpenAPI document,
 * e.g. ('get', '/api/v1/support-links'))? Reads openapi.json once.
 */
export async function hasRoute(method, path) {
  if (!routes) {
    try {
      routes = (await get('/openapi.json')).paths || {};
    } catch (e) {
      routes = {};
    }
  }
  const p = routes[path];
  return Boolean(p && p[method.toLowerCase()]);
}
