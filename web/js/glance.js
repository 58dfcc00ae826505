// The Status screen's "at a glance" panels, from GET /api/v1/status/summary:
// jobs finished per minute by final state, CLI run durations (p50 and p95),
// running and queued jobs against their limits, open streams and sessions,
// and rate-limit refusals. Polled every few seconds while the screen is shown;
// paused while the tab is hidden. Every chart has its values as text beside it.

import { h } from './dom.js';
import { get } from './api.js';
import {
  stackLayout, lineLayout, barChart, lineChart, meter, formatMs,
} from './charts.js';

/** How often the summary is read while the screen is shown. */
export const POLL_MS = 4000;

/** Final states in stacking order (bottom first), with their words. */
export const FINAL_STATES = [
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['timed_out', 'Timed out'],
  ['cancelled', 'Cancelled'],
];

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A one-line description of a bar chart's hour, for its text and its label. */
export function jobsSentence(hour) {
  const jobs = (hour && hour.jobs) || {};
  const parts = FINAL_STATES.map(([key, word]) => `${jobs[key] || 0} ${word.toLowerCase()}`);
  const total = FINAL_STATES.reduce((sum, [key]) => sum + (jobs[key] || 0), 0);
  return `${plural(total, 'job')} finished in the last hour: ${parts.join(', ')}.`;
}

function panel(id, title, ...body) {
  return h('section', { class: 'panel', id: `glance-${id}`, 'aria-labelledby': `glance-${id}-title` },
    h('h3', { id: `glance-${id}-title` }, title), ...body);
}

/** The minute axis under a per-minute chart. */
function axis() {
  return h('div', { class: 'chart-axis muted', 'aria-hidden': 'true' }, h('span', {}, '60 min ago'), h('span', {}, 'now'));
}

function stat(id, label) {
  const value = h('span', { class: 'stat-value', id }, '–');
  const detail = h('span', { class: 'stat-detail muted' });
  const box = h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), value, detail);
  return { box, value, detail };
}

export class Glance {
  constructor() {
    this.active = false;
    this.timer = null;
    this.inflight = false;
    this.build();
    document.addEventListener('visibilitychange', () => this.onVisibility());
  }

  build() {
    this.updated = h('span', { class: 'muted', id: 'glance-updated' }, 'Not read yet.');
    this.problem = h('p', { class: 'error', role: 'alert', hidden: true });

    this.jobsLegend = h('ul', { class: 'legend' });
    this.jobsText = h('p', { class: 'chart-text' });
    this.jobsMax = h('span', { class: 'chart-max muted' });
    this.jobsChart = h('div', { class: 'chart-box' });

    this.p50 = stat('glance-p50', 'Median (p50)');
    this.p95 = stat('glance-p95', '95th percentile');
    this.runs = stat('glance-runs', 'CLI runs');
    this.cliMax = h('span', { class: 'chart-max muted' });
    this.cliChart = h('div', { class: 'chart-box' });

    this.running = stat('glance-running', 'Running');
    this.runningMeter = h('div', { class: 'meter-box' });
    this.queued = stat('glance-queued', 'Queued');
    this.queuedMeter = h('div', { class: 'meter-box' });

    this.sse = stat('glance-sse', 'Open SSE streams');
    this.mcp = stat('glance-mcp', 'MCP sessions');

    this.refused = stat('glance-refused', 'Refused in the last hour');
    this.refusedMax = h('span', { class: 'chart-max muted' });
    this.refusedChart = h('div', { class: 'chart-box' });

    this.root = h('section', { class: 'glance', 'aria-labelledby': 'glance-title', dataset: { updated: '0' } },
      h('div', { class: 'glance-head' },
        h('h2', { id: 'glance-title' }, 'At a glance'),
        this.updated),
      this.problem,
      h('div', { class: 'panels' },
        panel('jobs', 'Jobs finished per minute',
          this.jobsLegend, this.jobsMax, this.jobsChart, axis(), this.jobsText),
        panel('cli', 'CLI run duration, last hour',
          h('div', { class: 'stats' }, this.p50.box, this.p95.box, this.runs.box),
          h('ul', { class: 'legend' },
            h('li', {}, h('span', { class: 'swatch series-p50', 'aria-hidden': 'true' }), 'p50 per minute'),
            h('li', {}, h('span', { class: 'swatch series-p95', 'aria-hidden': 'true' }), 'p95 per minute')),
          this.cliMax, this.cliChart, axis()),
        panel('load', 'Jobs now',
          this.running.box, this.runningMeter, this.queued.box, this.queuedMeter),
        panel('streams', 'Open connections',
          h('div', { class: 'stats' }, this.sse.box, this.mcp.box)),
        panel('refusals', 'Rate-limit refusals',
          this.refused.box, this.refusedMax, this.refusedChart, axis())));
  }

  /** Starts polling (at once). */
  start() {
    this.active = true;
    this.tick();
  }

  /** Stops polling (the screen was left). */
  stop() {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  onVisibility() {
    if (!this.active) return;
    if (document.hidden) {
      clearTimeout(this.timer);
      this.timer = null;
      this.root.dataset.paused = 'true';
      this.updated.textContent = 'Paused while this tab is hidden.';
    } else {
      this.root.dataset.paused = 'false';
      this.tick();
    }
  }

  async tick() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.active || document.hidden || this.inflight) return;
    this.inflight = true;
    let again = true;
    try {
      const summary = await get('/api/v1/status/summary');
      this.problem.hidden = true;
      this.render(summary);
    } catch (e) {
      this.problem.textContent = `The figures could not be read. ${e.message}`;
      this.problem.hidden = false;
      // A missing or too small key stays so until it changes (saving a key shows the screen again).
      again = e.status !== 401 && e.status !== 403;
    } finally {
      this.inflight = false;
    }
    if (again && this.active && !document.hidden) this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  render(s) {
    const minutes = Array.isArray(s.minutes) ? s.minutes : [];
    const hour = s.hour || {};
    const time = (m) => new Date(m.start * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

    // Jobs per minute, stacked by final state.
    const keys = FINAL_STATES.map(([k]) => k);
    const jobs = stackLayout(minutes.map((m) => m.jobs || {}), keys);
    const words = Object.fromEntries(FINAL_STATES);
    this.jobsLegend.replaceChildren(...FINAL_STATES.map(([key, word]) => h('li', { dataset: { state: key } },
      h('span', { class: `swatch series-${key}`, 'aria-hidden': 'true' }), `${word} `, h('strong', {}, String((hour.jobs || {})[key] || 0)))));
    const sentence = jobsSentence(hour);
    const current = minutes[minutes.length - 1];
    const now = current ? FINAL_STATES.reduce((sum, [k]) => sum + ((current.jobs || {})[k] || 0), 0) : 0;
    this.jobsText.textContent = `${sentence} This minute: ${now}.`;
    this.jobsMax.textContent = `up to ${jobs.max} per minute`;
    this.jobsChart.replaceChildren(barChart('jobs', `Jobs finished per minute over the last hour. ${sentence}`, jobs,
      (bar, seg) => `${time(minutes[bar.index])}: ${seg.value} ${words[seg.key].toLowerCase()}`));

    // CLI durations.
    this.p50.value.textContent = formatMs(hour.cli_p50_ms);
    this.p95.value.textContent = formatMs(hour.cli_p95_ms);
    this.runs.value.textContent = String(hour.cli_runs || 0);
    this.runs.detail.textContent = 'in the last hour';
    const cli = lineLayout([
      { key: 'p50', values: minutes.map((m) => m.cli_p50_ms ?? null) },
      { key: 'p95', values: minutes.map((m) => m.cli_p95_ms ?? null) },
    ]);
    this.cliMax.textContent = `up to ${formatMs(cli.max)}`;
    this.cliChart.replaceChildren(lineChart('cli', `CLI run duration per minute: over the last hour p50 ${formatMs(hour.cli_p50_ms)}, p95 ${formatMs(hour.cli_p95_ms)}, ${plural(hour.cli_runs || 0, 'run')}.`, cli));

    // Load against limits.
    const load = s.jobs || {};
    this.running.value.textContent = String(load.running ?? 0);
    this.running.detail.textContent = `of ${load.max_running ?? '?'} allowed at once`;
    this.runningMeter.replaceChildren(meter('running', `${load.running ?? 0} of ${load.max_running ?? '?'} job slots in use`, load.running || 0, load.max_running || 0));
    this.queued.value.textContent = String(load.queued ?? 0);
    this.queued.detail.textContent = `of ${load.max_queued ?? '?'} allowed to wait`;
    this.queuedMeter.replaceChildren(meter('queued', `${load.queued ?? 0} of ${load.max_queued ?? '?'} queue places taken`, load.queued || 0, load.max_queued || 0));

    // Open connections.
    const streams = s.streams || {};
    this.sse.value.textContent = String(streams.sse ?? 0);
    this.sse.detail.textContent = `at most ${streams.max_streams_per_client ?? '?'} per client`;
    this.mcp.value.textContent = String(streams.mcp_sessions ?? 0);

    // Rate-limit refusals.
    const refused = stackLayout(minutes.map((m) => ({ refused: m.rate_limited || 0 })), ['refused']);
    this.refused.value.textContent = String(hour.rate_limited || 0);
    this.refused.detail.textContent = current ? `${current.rate_limited || 0} this minute` : '';
    this.refusedMax.textContent = `up to ${refused.max} per minute`;
    this.refusedChart.replaceChildren(barChart('refusals', `Requests refused by the rate limit per minute: ${hour.rate_limited || 0} in the last hour.`, refused,
      (bar, seg) => `${time(minutes[bar.index])}: ${seg.value} refused`));

    const at = new Date((s.generated_at || 0) * 1000);
    this.updated.textContent = `Updated ${at.toLocaleTimeString()}; refreshed every ${POLL_MS / 1000} s.`;
    this.root.dataset.updated = String(s.generated_at || 0);
    this.root.dataset.polls = String(Number(this.root.dataset.polls || 0) + 1);
  }
}
