// The console's entry point: hash routes (`#/run`, `#/jobs/<id>`, `#/agents/<id>`,
// `#/tools/<name>`, `#/status`) switch screens; focus moves to the new screen's
// heading so keyboard and screen-reader users land where the content is.

import * as run from './run.js';
import * as jobs from './jobs.js';
import * as agents from './agents.js';
import * as tools from './tools.js';
import * as status from './status.js';
import { refreshHealth } from './status.js';
import { focus } from './dom.js';

const SCREENS = { run, jobs, agents, tools, status };
const mounted = new Set();
let current = null;
let firstRoute = true;

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  return { name: SCREENS[name] ? name : 'run', arg: rest.join('/') || null };
}

async function route() {
  const { name, arg } = parseHash();
  const panel = document.querySelector(`[data-panel="${name}"]`);
  if (current && current !== name && SCREENS[current].hide) SCREENS[current].hide();
  for (const el of document.querySelectorAll('[data-panel]')) el.hidden = el !== panel;
  for (const link of document.querySelectorAll('nav [data-screen]')) {
    if (link.dataset.screen === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const screen = SCREENS[name];
  if (!mounted.has(name)) {
    screen.mount(panel);
    mounted.add(name);
  }
  current = name;
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · Conductor gateway console`;
  const shown = screen.show(arg);
  if (firstRoute) {
    firstRoute = false;
    if (name === 'run') document.getElementById('command-input').focus();
  } else {
    focus((screen.focusTarget && screen.focusTarget()) || panel.querySelector('h1'));
  }
  await shown;
  document.body.dataset.ready = name;
}

document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  focus(document.getElementById('main'));
});
window.addEventListener('hashchange', route);
route();
refreshHealth().catch(() => {});
setInterval(() => refreshHealth().catch(() => {}), 30000);
