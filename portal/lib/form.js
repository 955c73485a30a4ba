// SPDX-License-Identifier: Apache-2.0
// Forms with a visible label on every input, and API problems shown next
// to the field they name (problem.field) or above the buttons.

import { h, nextId, replace } from './dom.js';
import { ApiError } from './api.js';

/** The message of a problem for the person at the screen. */
export function problemText(err) {
  if (err instanceof ApiError && err.rule === 'csrf') {
    return 'This browser tab has no valid security token for changes: sign out and sign in again.';
  }
  if (err instanceof ApiError) {
    const rule = err.rule ? ` (${err.rule})` : '';
    return `${err.text}${rule}`;
  }
  return String((err && err.message) || err);
}

function control(f, id, errId) {
  const common = {
    id,
    name: f.name,
    required: f.required || false,
    'aria-describedby': [f.hint ? `${id}-hint` : null, errId].filter(Boolean).join(' '),
    autocomplete: f.autocomplete || (f.type === 'password' ? 'off' : null),
  };
  if (f.type === 'select') {
    const sel = h('select', common);
    for (const o of f.options || []) {
      const [value, label] = Array.isArray(o) ? o : [o, o];
      sel.append(h('option', { value }, label));
    }
    if (f.value !== undefined) sel.value = String(f.value);
    return sel;
  }
  if (f.type === 'textarea') {
    return h('textarea', { ...common, rows: f.rows || 3, placeholder: f.placeholder }, f.value || '');
  }
  if (f.type === 'checkbox') {
    return h('input', { ...common, type: 'checkbox', checked: Boolean(f.value) });
  }
  return h('input', {
    ...common,
    type: f.type || 'text',
    value: f.value ?? '',
    min: f.min,
    max: f.max,
    step: f.step,
    inputmode: f.inputmode,
    placeholder: f.placeholder,
    maxlength: f.maxlength,
    pattern: f.pattern,
    spellcheck: f.type === 'password' ? 'false' : null,
  });
}

/**
 * makeForm({fields, submit, onSubmit, title, fieldMap, inline, cancel})
 * fields: [{name, label, type (text|password|number|select|checkbox|
 *   textarea|email), options, value, required, hint, hidden, ...}]
 * onSubmit(values, form): async; a thrown ApiError is shown by the field
 *   its problem names (fieldMap maps problem fields to form fields),
 *   anything else above the buttons.
 * Returns {el, inputs, values(), setValues(), setError(), clearErrors(),
 *   showError(err), note(text), setHidden(name, bool)}.
 */
export function makeForm(spec) {
  const inputs = {};
  const errors = {};
  const rows = {};
  const formId = nextId('form');
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const formNote = h('p', { class: 'form-note', role: 'status', hidden: true });
  const form = h('form', { class: `form${spec.inline ? ' form-inline' : ''}`, id: formId, novalidate: true });
  if (spec.title) form.append(h('h3', {}, spec.title));
  const grid = h('div', { class: 'form-fields' });
  form.append(grid);

  for (const f of spec.fields) {
    const id = nextId('in');
    const errId = `${id}-err`;
    const input = control(f, id, errId);
    const err = h('p', { class: 'field-error', id: errId, hidden: true });
    const label = h('label', { for: id }, f.label);
    const row = f.type === 'checkbox'
      ? h('div', { class: 'field field-check', dataset: { field: f.name } }, input, label,
        f.hint ? h('small', { id: `${id}-hint`, class: 'hint' }, f.hint) : null, err)
      : h('div', { class: 'field', dataset: { field: f.name } }, label, input,
        f.hint ? h('small', { id: `${id}-hint`, class: 'hint' }, f.hint) : null, err);
    if (f.hidden) row.hidden = true;
    grid.append(row);
    inputs[f.name] = input;
    errors[f.name] = err;
    rows[f.name] = row;
  }

  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, spec.submit || 'Save');
  const buttons = h('div', { class: 'form-buttons' }, submit);
  if (spec.cancel) {
    buttons.append(h('button', { type: 'button', class: 'btn', onclick: spec.cancel.onclick }, spec.cancel.label || 'Cancel'));
  }
  form.append(formError, buttons, formNote);

  const api = {
    el: form,
    inputs,
    submitButton: submit,
    values() {
      const out = {};
      for (const f of spec.fields) {
        if (rows[f.name].hidden) continue;
        const el = inputs[f.name];
        if (f.type === 'checkbox') {
          out[f.name] = el.checked;
        } else if (f.type === 'number') {
          if (el.value !== '') out[f.name] = Number(el.value);
        } else if (f.type === 'password') {
          if (el.value !== '') out[f.name] = el.value;
        } else {
          const v = el.value.trim();
          if (v !== '' || f.keepEmpty) out[f.name] = v;
        }
      }
      return out;
    },
    setValues(obj) {
      for (const [k, v] of Object.entries(obj)) {
        const el = inputs[k];
        if (!el) continue;
        if (el.type === 'checkbox') el.checked = Boolean(v);
        else el.value = v === undefined || v === null ? '' : String(v);
      }
    },
    setHidden(name, hidden) {
      rows[name].hidden = hidden;
    },
    clearErrors() {
      for (const [name, e] of Object.entries(errors)) {
        e.hidden = true;
        e.textContent = '';
        delete e.dataset.rule;
        inputs[name].removeAttribute('aria-invalid');
      }
      formError.hidden = true;
      formError.textContent = '';
      delete formError.dataset.rule;
      formNote.hidden = true;
    },
    setError(name, text, rule) {
      const e = errors[name];
      if (!e || rows[name].hidden) {
        formError.textContent = text;
        if (rule) formError.dataset.rule = rule;
        formError.hidden = false;
        return;
      }
      e.textContent = text;
      if (rule) e.dataset.rule = rule;
      e.hidden = false;
      inputs[name].setAttribute('aria-invalid', 'true');
    },
    showError(err) {
      const field = err instanceof ApiError ? err.field : '';
      const name = (spec.fieldMap && spec.fieldMap[field]) || field;
      api.setError(inputs[name] ? name : '', problemText(err), err && err.rule);
      if (inputs[name]) inputs[name].focus();
    },
    note(text) {
      replace(formNote, text);
      formNote.hidden = !text;
    },
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (form.dataset.busy) return;
    api.clearErrors();
    for (const f of spec.fields) {
      if (f.required && !rows[f.name].hidden && f.type !== 'checkbox' && inputs[f.name].value === '') {
        api.setError(f.name, `${f.label} is required`, 'required');
        inputs[f.name].focus();
        return;
      }
    }
    form.dataset.busy = '1';
    submit.disabled = true;
    try {
      await spec.onSubmit(api.values(), api);
    } catch (err) {
      api.showError(err);
    } finally {
      delete form.dataset.busy;
      submit.disabled = false;
    }
  });
  return api;
}
