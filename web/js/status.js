// The Status screen and the header badge: the system at a glance (charts from
// the gateway's own counters, refreshed live), the gateway's health with the
// reason when degraded, and the API key kept in this tab's session storage.

import { h, replace } from './dom.js';
import { get, getApiKey, setApiKey } from './api.js';
import { Glance } from './glance.js';

const CHECK_NAMES = { conductor: 'Conductor CLI', llm: 'Language model' };

let root;
let details;
let keyInput;
let keyStatus;
let glance;

/** Why the gateway is degraded, one line per failing check. */
export function reasons(health) {
  const out = [];
  for (const [name, check] of Object.entries((health && health.checks) || {})) {
    if (check && check.ok === false) out.push(`${CHECK_NAMES[name] || name}: ${check.detail || 'not usable'}`);
  }
  return out;
}

/** Fetches /health and updates the header badge; resolves to the body (or null). */
export async function refreshHealth() {
  const badge = document.getElementById('health-badge');
  try {
    const health = await get('/health');
    const status = health.status === 'healthy' ? 'healthy' : 'degraded';
    badge.dataset.status = status;
    badge.textContent = status === 'healthy' ? 'Healthy' : 'Degraded';
    const why = reasons(health);
    badge.title = why.join('\n');
    badge.setAttribute('aria-label', `Gateway health: ${status}${why.length ? ` (${why.join('; ')})` : ''}. Open the Status screen.`);
    return health;
  } catch (e) {
    badge.dataset.status = 'down';
    badge.textContent = 'Unreachable';
    badge.title = e.message;
    badge.setAttribute('aria-label', `Gateway health: unreachable (${e.message}). Open the Status screen.`);
    throw e;
  }
}

export function mount(el) {
  root = el;
  details = h('div', { class: 'health-details', 'aria-live': 'polite' });
  keyInput = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'api-key-hint' });
  keyStatus = h('p', { class: 'muted', role: 'status', id: 'api-key-status' });
  const keyForm = h('form', { class: 'key-form', novalidate: true },
    h('label', { for: 'api-key' }, 'API key'),
    keyInput,
    h('p', { class: 'hint', id: 'api-key-hint' },
      'Needed only when the gateway has authentication on. Kept in this tab only (session storage); sent as ',
      h('code', {}, 'Authorization: Bearer'), ' and, for live streams, as ', h('code', {}, 'access_token'), '.'),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Save key'),
      h('button', { type: 'button', onclick: () => saveKey('') }, 'Forget key')),
    keyStatus);
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    saveKey(keyInput.value);
  });
  glance = new Glance();
  replace(root,
    h('h1', { id: 'status-title', tabindex: '-1' }, 'Status'),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => show() }, 'Check again')),
    glance.root,
    h('h2', {}, 'Health'),
    details,
    h('h2', {}, 'Access'),
    keyForm);
}

function saveKey(value) {
  setApiKey(value);
  keyInput.value = '';
  describeKey();
  show();
}

function describeKey() {
  const key = getApiKey();
  keyStatus.textContent = key ? `A key is set for this tab (ending …${key.slice(-4)}).` : 'No key set.';
}

/** Leaving the screen stops the live figures. */
export function hide() {
  if (glance) glance.stop();
}

export async function show() {
  describeKey();
  glance.stop();
  glance.start();
  details.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Checking…'));
  let health;
  try {
    health = await refreshHealth();
  } catch (e) {
    details.replaceChildren(h('p', { class: 'badge big', dataset: { status: 'down' } }, 'Unreachable'), h('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  const healthy = health.status === 'healthy';
  const why = reasons(health);
  const checks = Object.entries(health.checks || {}).map(([name, check]) =>
    h('li', { dataset: { check: name, ok: String(Boolean(check.ok)) } },
      h('span', { class: 'badge', dataset: { status: check.ok ? 'healthy' : 'degraded' } }, check.ok ? 'ok' : 'not ok'),
      ' ', h('strong', {}, CHECK_NAMES[name] || name), ': ', check.detail || ''));
  const endpoints = Object.entries(health.endpoints || {}).map(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, v))]);
  details.replaceChildren(
    h('p', { id: 'health-status', class: 'badge big', dataset: { status: healthy ? 'healthy' : 'degraded' } }, healthy ? 'Healthy' : 'Degraded'),
    // replaceChildren writes a null as the text "null": leave the part out instead.
    ...(why.length ? [h('div', { class: 'reasons' }, h('p', {}, 'Why:'), h('ul', { id: 'health-reasons' }, why.map((r) => h('li', {}, r))))] : []),
    h('h3', {}, 'Checks'),
    h('ul', { class: 'checks' }, checks),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Service'), h('dd', {}, `${health.service || ''} ${health.version || ''}`),
      h('dt', {}, 'Mode'), h('dd', {}, health.mode || 'unknown'),
      endpoints));
}
