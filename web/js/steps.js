// A job's tool steps, from its events (`on_tool_start`, `on_tool_end`): which
// tool ran, how it ended and how long it took. `toolSteps` is DOM-free (unit
// tested under Node); `loadSteps` replays a finished job's stream to get them.

import { JobStream, FINISHED, STOPPED } from './stream.js';

/**
 * Pairs starts and ends by tool name (the latest unfinished start of that
 * tool). Returns `[{tool, status, outcome, started, ended, ms}]` in start
 * order; a step with no end has `status: 'running'` (or `'stopped'` once the
 * stream ended) and `ms: null`.
 */
export function toolSteps(events) {
  const steps = [];
  let ended = false;
  for (const evt of events) {
    if (!evt || typeof evt !== 'object') continue;
    const data = evt.data && typeof evt.data === 'object' ? evt.data : {};
    const at = typeof evt.timestamp === 'number' ? evt.timestamp : null;
    if (evt.event === 'on_tool_start') {
      steps.push({ tool: String(data.tool || 'tool'), status: 'running', outcome: null, started: at, ended: null, ms: null });
    } else if (evt.event === 'on_tool_end') {
      const tool = String(data.tool || 'tool');
      let step = null;
      for (let i = steps.length - 1; i >= 0; i -= 1) {
        if (steps[i].tool === tool && steps[i].status === 'running') {
          step = steps[i];
          break;
        }
      }
      if (!step) {
        step = { tool, status: 'running', outcome: null, started: null, ended: null, ms: null };
        steps.push(step);
      }
      step.status = data.status === 'success' ? 'success' : 'error';
      step.outcome = data.outcome || null;
      step.ended = at;
      if (step.started !== null && at !== null) step.ms = Math.max(0, (at - step.started) * 1000);
    } else if (evt.event === 'end_of_stream') {
      ended = true;
    }
  }
  if (ended) for (const step of steps) if (step.status === 'running') step.status = 'stopped';
  return steps;
}

/** A job's duration in milliseconds: start to end, or to `now` while it runs; `null` before it starts. */
export function jobDuration(job, now = Date.now() / 1000) {
  if (!job || typeof job.started_at !== 'number') return null;
  const end = typeof job.finished_at === 'number' ? job.finished_at : now;
  return Math.max(0, (end - job.started_at) * 1000);
}

/** Replays a job's stream to its end; resolves to its tool steps. */
export function loadSteps(job) {
  return new Promise((resolve, reject) => {
    const events = [];
    const stream = new JobStream(job.stream_url || `/api/v1/stream/${job.job_id}`, {
      onEvent: (evt) => events.push(evt),
      onConnection: (state, detail) => {
        if (state === FINISHED) resolve(toolSteps(events));
        else if (state === STOPPED) reject(new Error(detail || 'The stream stopped.'));
      },
    });
    stream.start();
  });
}
