// The Jobs screen: recent jobs with their state, duration, owner (when API
// keys are on) and tool steps (read from the job's events on demand), filtered
// by state and by free text; opening one replays its stream.

import { h, replace, when, focus } from './dom.js';
import { get } from './api.js';
import { JobView } from './jobview.js';
import { formatMs } from './charts.js';
import { jobDuration, loadSteps } from './steps.js';

const PAGE = 25;
const STATES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

let root;
let listPart;
let detailPart;
let filter;
let text;
let summary;
let list;
let more;
let error;
let offset = 0;
let total = 0;
let replay = null;

export function mount(el) {
  root = el;
  filter = h('select', { id: 'jobs-state', onchange: () => load(true) },
    h('option', { value: '' }, 'All states'),
    STATES.map((s) => h('option', { value: s }, s.replaceAll('_', ' '))));
  text = h('input', {
    id: 'jobs-text', type: 'search', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'command, id or owner', oninput: () => applyText(),
  });
  summary = h('p', { class: 'muted', role: 'status' });
  list = h('ul', { class: 'job-list' });
  more = h('button', { type: 'button', hidden: true, onclick: () => load(false) }, 'Show more');
  error = h('p', { class: 'error', role: 'alert', hidden: true });
  listPart = h('div', {},
    h('h1', { id: 'jobs-title', tabindex: '-1' }, 'Jobs'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'jobs-state' }, 'Show'), filter,
      h('label', { for: 'jobs-text' }, 'Find'), text,
      h('button', { type: 'button', onclick: () => load(true) }, 'Refresh')),
    error, summary, list, more);
  detailPart = h('div', { hidden: true });
  replace(root, listPart, detailPart);
}

export function show(arg) {
  if (replay) {
    replay.close();
    replay = null;
  }
  if (arg) {
    listPart.hidden = true;
    detailPart.hidden = false;
    openJob(decodeURIComponent(arg));
  } else {
    detailPart.hidden = true;
    listPart.hidden = false;
    load(true);
  }
}

export function hide() {
  if (replay) {
    replay.close();
    replay = null;
  }
}

async function load(reset) {
  if (reset) offset = 0;
  error.hidden = true;
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filter.value) params.set('state', filter.value);
  try {
    const page = await get(`/api/v1/jobs?${params}`);
    if (reset) list.replaceChildren();
    for (const job of page.jobs) list.append(row(job));
    offset += page.jobs.length;
    total = page.total;
    applyText();
    more.hidden = offset >= page.total;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

/** Shows the loaded rows whose command, id, owner or state contain the text. */
function applyText() {
  const needle = text.value.trim().toLowerCase();
  let shown = 0;
  for (const li of list.children) {
    const match = !needle || li.dataset.search.includes(needle);
    li.hidden = !match;
    if (match) shown += 1;
  }
  const jobs = (n) => `${n} job${n === 1 ? '' : 's'}`;
  if (total === 0) summary.textContent = 'No jobs yet. Start one on the Run screen.';
  else if (needle) summary.textContent = `${jobs(shown)} of the ${offset} loaded match “${text.value.trim()}” (${total} in all).`;
  else summary.textContent = `Showing ${offset} of ${jobs(total)}, newest first.`;
}

/** How long a job took (or has been running), in words. */
function durationText(job) {
  const ms = jobDuration(job);
  if (ms === null) return job.state === 'queued' ? 'waiting to start' : '';
  return TERMINAL.has(job.state) ? `took ${formatMs(ms)}` : `running for ${formatMs(ms)}`;
}

/** A disclosure that reads the job's tool steps from its events when opened. */
function stepsDisclosure(job) {
  const body = h('div', { class: 'steps-body' }, h('p', { class: 'muted', role: 'status' }, 'Reading the job’s events…'));
  const box = h('details', { class: 'job-steps', dataset: { loaded: 'false' } }, h('summary', {}, 'Tool steps'), body);
  box.addEventListener('toggle', async () => {
    if (!box.open || box.dataset.loaded !== 'false') return;
    box.dataset.loaded = 'loading';
    try {
      const steps = await loadSteps(job);
      body.replaceChildren(stepList(steps));
      box.dataset.loaded = 'true';
      box.dataset.steps = String(steps.length);
    } catch (e) {
      body.replaceChildren(h('p', { class: 'error' }, e.message));
      box.dataset.loaded = 'false';
    }
  });
  return box;
}

function stepList(steps) {
  if (!steps.length) return h('p', { class: 'muted' }, 'No tool ran in this job.');
  return h('ol', { class: 'steps' }, steps.map((step) => h('li', { dataset: { tool: step.tool, status: step.status } },
    h('code', {}, step.tool), ' ',
    h('span', { class: 'badge', dataset: { status: step.status } }, step.status),
    step.outcome && step.outcome !== 'ok' ? h('span', { class: 'muted' }, ` ${step.outcome}`) : null,
    step.ms !== null ? h('span', { class: 'muted' }, ` · ${formatMs(step.ms)}`) : null)));
}

function row(job) {
  const owner = job.owner && job.owner !== 'anonymous' ? job.owner : '';
  const duration = durationText(job);
  const meta = [when(job.created_at), duration, owner ? `by ${owner}` : '', job.job_id].filter(Boolean).join(' · ');
  const search = [job.command, job.job_id, owner, job.state, job.kind].join(' ').toLowerCase();
  return h('li', { class: 'job-row', dataset: { jobId: job.job_id, state: job.state, owner, search } },
    h('a', { href: `#/jobs/${encodeURIComponent(job.job_id)}` },
      h('span', { class: 'badge state', dataset: { state: job.state } }, job.state.replaceAll('_', ' ')),
      ' ',
      h('code', { class: 'job-command' }, job.command),
      h('span', { class: 'muted job-meta' }, ` ${meta}`)),
    TERMINAL.has(job.state) ? stepsDisclosure(job) : null);
}

async function openJob(id) {
  const back = h('a', { href: '#/jobs', class: 'back' }, '← All jobs');
  const heading = h('h1', { id: 'jobs-title', tabindex: '-1' }, 'Job replay');
  const info = h('dl', { class: 'facts' });
  const host = h('div');
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  replace(detailPart, back, heading, problem, info, host);
  let job;
  try {
    job = await get(`/api/v1/jobs/${encodeURIComponent(id)}`);
  } catch (e) {
    problem.textContent = e.message;
    problem.hidden = false;
    return;
  }
  const fact = (term, value) => (value ? [h('dt', {}, term), h('dd', {}, value)] : []);
  info.append(
    ...fact('Command', h('code', {}, job.command)),
    ...fact('Kind', job.kind),
    ...fact('Created', when(job.created_at)),
    ...fact('Started', when(job.started_at)),
    ...fact('Finished', when(job.finished_at)),
    ...fact('Duration', jobDuration(job) === null ? '' : formatMs(jobDuration(job))),
    ...fact('Owner', job.owner && job.owner !== 'anonymous' ? job.owner : ''),
  );
  // The replay starts from the first event; a running job continues live.
  replay = new JobView(host, { job_id: job.job_id, stream_url: job.stream_url, state: job.state === 'running' ? 'running' : 'queued' }).start();
  focus(heading);
}
