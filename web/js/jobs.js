// The Jobs screen: recent jobs with their state; opening one replays its stream.

import { h, replace, when, focus } from './dom.js';
import { get } from './api.js';
import { JobView } from './jobview.js';

const PAGE = 25;
const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];

let root;
let listPart;
let detailPart;
let filter;
let summary;
let list;
let more;
let error;
let offset = 0;
let replay = null;

export function mount(el) {
  root = el;
  filter = h('select', { id: 'jobs-state', onchange: () => load(true) },
    h('option', { value: '' }, 'All states'),
    STATES.map((s) => h('option', { value: s }, s.replace('_', ' '))));
  summary = h('p', { class: 'muted', role: 'status' });
  list = h('ul', { class: 'job-list' });
  more = h('button', { type: 'button', hidden: true, onclick: () => load(false) }, 'Show more');
  error = h('p', { class: 'error', role: 'alert', hidden: true });
  listPart = h('div', {},
    h('h1', { id: 'jobs-title', tabindex: '-1' }, 'Jobs'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'jobs-state' }, 'Show'), filter,
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
    summary.textContent = page.total === 0
      ? 'No jobs yet. Start one on the Run screen.'
      : `Showing ${offset} of ${page.total} job${page.total === 1 ? '' : 's'}, newest first.`;
    more.hidden = offset >= page.total;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

function row(job) {
  return h('li', { class: 'job-row', dataset: { jobId: job.job_id, state: job.state } },
    h('a', { href: `#/jobs/${encodeURIComponent(job.job_id)}` },
      h('span', { class: 'badge state', dataset: { state: job.state } }, job.state.replace('_', ' ')),
      ' ',
      h('code', { class: 'job-command' }, job.command),
      h('span', { class: 'muted job-meta' }, ` ${when(job.created_at)} · ${job.job_id}`)));
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
  );
  // The replay starts from the first event; a running job continues live.
  replay = new JobView(host, { job_id: job.job_id, stream_url: job.stream_url, state: job.state === 'running' ? 'running' : 'queued' }).start();
  focus(heading);
}
