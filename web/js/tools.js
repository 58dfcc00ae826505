// The Tools screen: the catalogue with each tool's annotations, and a form per
// tool generated from its JSON Schema. Values are checked before sending;
// destructive tools ask first; the gateway's 422 lands on the field it names.

import { h, replace, pretty, focus } from './dom.js';
import { get, callTool } from './api.js';
import { fieldsOf, fieldHint, collect } from './schema.js';

let root;
let catalogue = null;

export function mount(el) {
  root = el;
}

export async function show(arg) {
  if (!catalogue) {
    replace(root, h('h1', { id: 'tools-title', tabindex: '-1' }, 'Tools'), h('p', { class: 'muted', role: 'status' }, 'Loading the catalogue…'));
    try {
      catalogue = (await get('/api/v1/tools')).tools;
    } catch (e) {
      replace(root, h('h1', { id: 'tools-title', tabindex: '-1' }, 'Tools'),
        h('p', { class: 'error', role: 'alert' }, e.message),
        h('button', { type: 'button', onclick: () => show(arg) }, 'Try again'));
      return;
    }
  }
  const name = arg ? decodeURIComponent(arg) : null;
  const tool = name && catalogue.find((t) => t.name === name);
  if (name && !tool) {
    replace(root, h('a', { href: '#/tools', class: 'back' }, '← All tools'),
      h('h1', { id: 'tools-title', tabindex: '-1' }, 'Unknown tool'),
      h('p', { class: 'error', role: 'alert' }, `There is no tool named ${name}.`));
    return;
  }
  if (tool) showTool(tool);
  else showIndex();
}

/** The annotations as short labelled chips. */
function annotations(tool) {
  const a = tool.annotations || {};
  const chip = (on, text, cls) => (on ? h('li', { class: `chip ${cls}` }, text) : null);
  return h('ul', { class: 'chips annotations', 'aria-label': 'Annotations' },
    chip(a.readOnlyHint, 'read-only', 'safe'),
    chip(!a.readOnlyHint && !a.destructiveHint, 'changes things', 'warn'),
    chip(a.destructiveHint, 'destructive', 'danger'),
    chip(a.idempotentHint, 'idempotent', ''),
    tool.scope ? h('li', { class: 'chip' }, `scope: ${tool.scope}`) : null);
}

function showIndex() {
  const grid = h('ul', { class: 'cards tool-cards' });
  for (const tool of catalogue) {
    grid.append(h('li', { class: 'card tool-entry', dataset: { tool: tool.name } },
      h('h2', {}, h('a', { href: `#/tools/${encodeURIComponent(tool.name)}` }, tool.title || tool.name)),
      h('p', {}, h('code', {}, tool.name)),
      annotations(tool),
      h('p', { class: 'muted' }, tool.description)));
  }
  replace(root, h('h1', { id: 'tools-title', tabindex: '-1' }, 'Tools'),
    h('p', { class: 'muted' }, `${catalogue.length} tools. Open one to call it with a form.`), grid);
}

function input(tool, field, id, describedBy) {
  const common = { id, name: field.name, 'aria-describedby': describedBy, required: field.required };
  switch (field.kind) {
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', checked: field.hasDefault && field.default === true, required: false });
    case 'enum':
      return h('select', common,
        h('option', { value: '' }, field.required ? 'Choose…' : field.hasDefault ? `(default: ${field.default})` : '(none)'),
        field.options.map((o) => h('option', { value: String(o) }, String(o))));
    case 'integer':
    case 'number':
      // type=text: the browser's own number checks would hide the gateway's; ours explain.
      return h('input', { ...common, type: 'text', inputmode: field.kind === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', placeholder: field.hasDefault ? String(field.default) : '' });
    case 'string':
      if (/text|input|content/.test(field.name)) return h('textarea', { ...common, rows: '3' });
      return h('input', { ...common, type: 'text', autocomplete: 'off', spellcheck: 'false' });
    default:
      return h('textarea', { ...common, rows: '3', placeholder: 'JSON', spellcheck: 'false' });
  }
}

function showTool(tool) {
  const fields = fieldsOf(tool.input_schema);
  const formId = `tool-form-${tool.name}`;
  const controls = {};
  const errorsById = {};
  const rows = fields.map((field) => {
    const id = `${formId}-${field.name}`;
    const hintId = `${id}-hint`;
    const errId = `${id}-error`;
    const control = input(tool, field, id, `${hintId} ${errId}`);
    controls[field.name] = control;
    const err = h('p', { class: 'field-error', id: errId, hidden: true });
    errorsById[field.name] = err;
    const label = h('label', { for: id }, field.name, field.required ? h('span', { class: 'req' }, ' (required)') : null);
    const hint = h('p', { class: 'hint', id: hintId }, [field.description, fieldHint(field)].filter(Boolean).join(' — '));
    return h('div', { class: `field field-${field.kind}`, dataset: { field: field.name } },
      field.kind === 'boolean' ? h('div', { class: 'check' }, control, label) : [label, control],
      hint, err);
  });
  const skip = h('input', { type: 'checkbox', id: `${formId}-nocheck` });
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const submit = h('button', { type: 'submit', class: tool.annotations?.destructiveHint ? 'danger' : 'primary' }, `Run ${tool.name}`);
  const result = h('div', { class: 'tool-answer', 'aria-live': 'polite' });
  const form = h('form', { id: formId, class: 'tool-form', novalidate: true, 'aria-labelledby': 'tools-title' },
    fields.length ? rows : h('p', { class: 'muted' }, 'This tool takes no arguments.'),
    h('div', { class: 'check nocheck' }, skip, h('label', { for: skip.id }, 'Send without checking in the browser (the gateway still checks)')),
    summary,
    h('div', { class: 'actions' }, submit));

  const clearErrors = () => {
    summary.hidden = true;
    summary.replaceChildren();
    for (const [name, el] of Object.entries(errorsById)) {
      el.hidden = true;
      el.textContent = '';
      controls[name].removeAttribute('aria-invalid');
    }
  };
  const showErrors = (errors, headline) => {
    const names = Object.keys(errors);
    summary.replaceChildren(h('p', {}, headline),
      h('ul', {}, names.map((n) => h('li', {}, controls[n] ? h('a', { href: `#${controls[n].id}`, onclick: (e) => { e.preventDefault(); controls[n].focus(); } }, `${n}: ${errors[n]}`) : `${n}: ${errors[n]}`))));
    summary.hidden = false;
    for (const n of names) {
      if (!errorsById[n]) continue;
      errorsById[n].textContent = errors[n];
      errorsById[n].hidden = false;
      controls[n].setAttribute('aria-invalid', 'true');
    }
    const first = names.find((n) => controls[n]);
    focus(first ? controls[first] : summary);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const raw = {};
    for (const field of fields) {
      const c = controls[field.name];
      raw[field.name] = field.kind === 'boolean' ? c.checked : c.value;
    }
    const { args, errors } = collect(fields, raw, { check: !skip.checked });
    if (Object.keys(errors).length) {
      showErrors(errors, 'Nothing was sent. Please correct:');
      return;
    }
    if (tool.annotations?.destructiveHint && !(await confirmDestructive(tool))) {
      result.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Not run.'));
      return;
    }
    submit.disabled = true;
    result.replaceChildren(h('p', { class: 'muted', role: 'status' }, `Running ${tool.name}…`));
    try {
      const answer = await callTool(tool.name, args);
      result.replaceChildren(renderAnswer(answer));
    } catch (err) {
      result.replaceChildren();
      if (err.status === 422 && err.field) {
        // The detail often starts with the field's name, which the form already shows.
        const detail = err.detail.startsWith(`${err.field}: `) ? err.detail.slice(err.field.length + 2) : err.detail;
        showErrors({ [err.field]: detail }, 'The gateway refused the arguments:');
      } else {
        summary.replaceChildren(h('p', {}, err.message));
        summary.hidden = false;
        focus(summary);
      }
    } finally {
      submit.disabled = false;
    }
  });

  replace(root,
    h('a', { href: '#/tools', class: 'back' }, '← All tools'),
    h('h1', { id: 'tools-title', tabindex: '-1' }, tool.title || tool.name, ' ', h('code', { class: 'muted' }, tool.name)),
    annotations(tool),
    h('p', {}, tool.description),
    form,
    result);
}

function renderAnswer(answer) {
  const ok = !answer.is_error;
  return h('section', { class: 'tool-result-view', 'aria-label': 'Tool result', dataset: { status: ok ? 'success' : 'error' } },
    h('h2', {}, 'Result ', h('span', { class: 'badge', dataset: { status: ok ? 'success' : 'error' } }, ok ? 'success' : 'error')),
    answer.outcome && answer.outcome !== 'ok' ? h('p', { class: 'muted' }, `Outcome: ${answer.outcome}`) : null,
    answer.error ? h('p', { class: 'error' }, answer.error) : null,
    h('pre', { class: 'readable' }, answer.readable ?? answer.text ?? ''),
    h('details', { class: 'structured' }, h('summary', {}, 'Structured result (JSON)'), h('pre', {}, pretty(answer.result))));
}

/** Asks in a modal dialog; resolves true only on an explicit yes. */
function confirmDestructive(tool) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = `Run ${tool.name}?`;
  document.getElementById('confirm-text').textContent =
    `${tool.title || tool.name} is destructive: ${tool.description} This cannot be undone from the console.`;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}
