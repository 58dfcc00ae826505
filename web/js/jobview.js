// A job shown live: its state, model tokens as they arrive, one card per tool
// step with its CLI output line by line, the result or the error in plain
// words, a cancel button, and the raw events for the curious. Used by the Run
// screen and by the Jobs screen's replay.

import { h, replace, pretty, when, focus } from './dom.js';
import { post } from './api.js';
import { JobStream, LIVE, RECONNECTING, FINISHED } from './stream.js';
import { approvalCard } from './approval.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
/** Lines kept per tool card; older ones are folded into a count. */
const MAX_LINES = 2000;
/** Raw events listed; the count stays exact beyond it. */
const MAX_RAW = 5000;

const STATE_WORDS = {
  queued: 'queued',
  running: 'running',
  awaiting_approval: 'awaiting approval',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'timed out',
};

/** The headline of an error event, by the state the job ended in. */
export function errorHeadline(state) {
  switch (state) {
    case 'cancelled':
      return 'The job was cancelled.';
    case 'timed_out':
      return 'The job took too long and was stopped.';
    default:
      return 'The command failed.';
  }
}

export class JobView {
  /**
   * @param {HTMLElement} host where the view goes (its content is replaced)
   * @param {object} job `{job_id, stream_url, command?, state?}`
   */
  constructor(host, job) {
    this.host = host;
    this.job = job;
    this.state = job.state || 'queued';
    this.toolCards = [];
    this.approvals = new Map();
    this.llm = null;
    this.eventCount = 0;
    this.build();
  }

  build() {
    const id = this.job.job_id;
    this.badge = h('span', { class: 'badge state', dataset: { state: this.state } }, STATE_WORDS[this.state] || this.state);
    this.conn = h('span', { class: 'conn', role: 'status', dataset: { conn: 'connecting' } }, 'Connecting…');
    this.cancelButton = h('button', { type: 'button', class: 'cancel danger', onclick: () => this.cancel() }, 'Cancel job');
    this.cancelNote = h('span', { class: 'cancel-note', role: 'status' });
    this.timeline = h('div', { class: 'timeline', role: 'log', 'aria-label': 'Job progress', 'aria-live': 'polite' });
    this.outcome = h('div', { class: 'outcome', hidden: true });
    this.rawCount = h('span', {}, '0');
    this.raw = h('ol', { class: 'raw-events' });
    this.root = h(
      'section',
      { class: 'job', 'aria-label': `Job ${id}`, dataset: { jobId: id, state: this.state, connections: '0', lastEventId: '0', duplicates: '0' } },
      h(
        'header',
        { class: 'job-head' },
        h('h2', {}, 'Job ', h('code', { class: 'job-id' }, id)),
        this.badge,
        this.conn,
        h('span', { class: 'spacer' }),
        this.cancelNote,
        this.cancelButton,
      ),
      this.job.command ? h('p', { class: 'command-echo' }, h('span', { class: 'muted' }, 'Command: '), h('code', {}, this.job.command)) : null,
      this.timeline,
      this.outcome,
      h('details', { class: 'raw' }, h('summary', {}, 'Raw events (', this.rawCount, ')'), this.raw),
    );
    replace(this.host, this.root);
    this.setState(this.state);
  }

  /** Opens the stream (from the first event: a replay when the job is over). */
  start() {
    this.stream = new JobStream(this.job.stream_url || `/api/v1/stream/${this.job.job_id}`, {
      onEvent: (evt, id) => this.onEvent(evt, id),
      onConnection: (state, detail) => this.onConnection(state, detail),
    }).start();
    return this;
  }

  /** Stops listening (the job goes on in the gateway). */
  close() {
    if (this.stream) this.stream.stop();
  }

  setState(state) {
    this.state = state;
    this.root.dataset.state = state;
    this.badge.dataset.state = state;
    this.badge.textContent = STATE_WORDS[state] || state;
    this.cancelButton.hidden = TERMINAL.has(state);
  }

  onConnection(state, detail) {
    const s = this.stream;
    this.root.dataset.connections = String(s ? s.connections : 0);
    this.conn.dataset.conn = state;
    if (state === LIVE) {
      this.conn.textContent = 'Live';
      if (this.lostAfter !== undefined) {
        this.timeline.append(h('p', { class: 'notice reconnected' },
          `The connection dropped after event ${this.lostAfter} and was resumed from there.`));
        this.lostAfter = undefined;
      }
    } else if (state === RECONNECTING) {
      this.conn.textContent = detail || 'Reconnecting…';
      if (this.lostAfter === undefined && s) this.lostAfter = s.lastId;
    } else if (state === FINISHED) {
      this.conn.textContent = 'Stream complete';
    } else {
      this.conn.textContent = detail ? `Stopped: ${detail}` : 'Stopped listening';
      if (detail) this.showError('The live view stopped.', detail);
    }
  }

  async cancel() {
    this.cancelButton.disabled = true;
    this.cancelNote.textContent = 'Cancelling…';
    try {
      await post(`/api/v1/jobs/${encodeURIComponent(this.job.job_id)}/cancel`);
      this.cancelNote.textContent = 'Cancel requested.';
    } catch (e) {
      this.cancelNote.textContent = e.message;
      this.cancelButton.disabled = false;
    }
  }

  onEvent(evt, id) {
    this.eventCount += 1;
    if (id !== null) this.root.dataset.lastEventId = String(id);
    this.root.dataset.duplicates = String(this.stream ? this.stream.duplicates : 0);
    this.rawCount.textContent = String(this.eventCount);
    if (this.eventCount <= MAX_RAW) {
      this.raw.append(h('li', { dataset: { id: id ?? '', event: evt.event } }, `${id ?? '–'} · ${evt.event}`));
    }
    const data = evt.data && typeof evt.data === 'object' ? evt.data : {};
    switch (evt.event) {
      case 'job_started':
        this.step(data.message || 'Job started', evt.timestamp);
        if (this.state === 'queued') this.setState('running');
        break;
      case 'status_update':
        if (data.state && !TERMINAL.has(this.state)) this.setState(data.state);
        if (data.message) this.step(data.message, evt.timestamp);
        break;
      case 'on_chain_start':
        this.step(data.message || `Agent started${data.name ? `: ${data.name}` : ''}`, evt.timestamp, 'chain');
        break;
      case 'on_chain_end':
        this.endLlm();
        this.step(data.message || 'Agent finished', evt.timestamp, 'chain');
        break;
      case 'on_llm_start':
        this.startLlm();
        break;
      case 'on_llm_new_token':
        this.token(typeof data.chunk === 'string' ? data.chunk : '');
        break;
      case 'on_llm_end':
        this.endLlm();
        break;
      case 'on_tool_start':
        this.endLlm();
        this.toolStart(data);
        break;
      case 'on_tool_output':
        this.toolOutput(data);
        break;
      case 'on_tool_end':
        this.toolEnd(data);
        break;
      case 'approval_required': {
        this.endLlm();
        const card = approvalCard(this.job.job_id, data);
        this.approvals.set(data.call_id, card);
        this.timeline.append(card);
        break;
      }
      case 'approval_resolved': {
        const card = this.approvals.get(data.call_id);
        if (card) card.answered(data);
        else this.step(`${data.approved ? 'Approved' : 'Denied'} by ${data.by}`, evt.timestamp);
        break;
      }
      case 'result':
        this.endLlm();
        this.showResult(typeof data.result === 'string' ? data.result : pretty(data.result));
        break;
      case 'error':
        this.endLlm();
        if (data.state) this.setState(data.state);
        this.showError(errorHeadline(data.state), typeof data.error === 'string' ? data.error : pretty(data.error));
        break;
      case 'gap':
        this.timeline.append(
          h('p', { class: 'notice gap' },
            `Events ${data.first_missing}–${data.last_missing} are no longer kept by the gateway, so they are missing here.`),
        );
        break;
      case 'end_of_stream':
        this.endLlm();
        if (data.state) this.setState(data.state);
        this.cancelButton.hidden = true;
        this.cancelNote.textContent = '';
        for (const card of this.toolCards) if (card.dataset.status === 'running') this.markTool(card, 'stopped');
        break;
      default:
        this.step(`${evt.event}${data.message ? `: ${data.message}` : ''}`, evt.timestamp);
    }
  }

  step(text, timestamp, kind = 'status') {
    this.timeline.append(
      h('p', { class: `step ${kind}` },
        timestamp ? h('time', { class: 'muted', title: when(timestamp) }, new Date(timestamp * 1000).toLocaleTimeString()) : null,
        ' ', text),
    );
  }

  startLlm() {
    this.endLlm();
    const text = h('p', { class: 'llm-text' });
    this.llm = h('div', { class: 'llm', dataset: { done: 'false' } }, h('p', { class: 'llm-label muted' }, 'Model'), text);
    this.llm.text = text;
    this.timeline.append(this.llm);
  }

  token(chunk) {
    if (!this.llm) this.startLlm();
    this.llm.text.append(chunk);
  }

  endLlm() {
    if (this.llm) {
      this.llm.dataset.done = 'true';
      // A turn that only called tools said nothing: its cards speak for it.
      if (this.llm.text.textContent === '') this.llm.remove();
      this.llm = null;
    }
  }

  toolStart(data) {
    const name = String(data.tool || 'tool');
    const output = h('div', { class: 'tool-output', role: 'log', 'aria-label': `Output of ${name}` });
    const status = h('span', { class: 'badge', dataset: { status: 'running' } }, 'running');
    const card = h(
      'article',
      { class: 'tool-card', dataset: { tool: name, status: 'running' } },
      h('header', {}, h('h3', {}, h('span', { class: 'muted' }, 'Tool '), h('code', {}, name)), status),
      data.input !== undefined
        ? h('details', { class: 'tool-input' }, h('summary', {}, 'Input'), h('pre', {}, pretty(data.input)))
        : null,
      output,
    );
    card.parts = { output, status, lines: 0, dropped: 0 };
    this.toolCards.push(card);
    this.timeline.append(card);
  }

  /** The running card of that tool (the latest one), created if the start was missed. */
  card(name) {
    for (let i = this.toolCards.length - 1; i >= 0; i -= 1) {
      const card = this.toolCards[i];
      if (card.dataset.tool === name && card.dataset.status === 'running') return card;
    }
    this.toolStart({ tool: name });
    return this.toolCards[this.toolCards.length - 1];
  }

  toolOutput(data) {
    const card = this.card(String(data.tool || 'tool'));
    const p = card.parts;
    p.output.append(h('div', { class: 'line', dataset: { stream: data.stream || 'stdout' } }, String(data.line ?? '')));
    p.lines += 1;
    if (p.lines > MAX_LINES) {
      p.output.querySelector('.line')?.remove();
      p.lines -= 1;
      p.dropped += 1;
      let note = p.output.querySelector('.dropped');
      if (!note) {
        note = h('div', { class: 'dropped muted' });
        p.output.prepend(note);
      }
      note.textContent = `(${p.dropped} earlier lines not shown)`;
    }
  }

  markTool(card, status) {
    card.dataset.status = status;
    card.parts.status.dataset.status = status;
    card.parts.status.textContent = status;
  }

  toolEnd(data) {
    const card = this.card(String(data.tool || 'tool'));
    this.markTool(card, data.status === 'success' ? 'success' : 'error');
    if (data.outcome && data.outcome !== 'ok') {
      card.append(h('p', { class: 'muted' }, `Outcome: ${data.outcome}`));
    }
    if (data.error) card.append(h('p', { class: 'error tool-error' }, String(data.error)));
    if (data.output !== undefined && data.output !== null) {
      card.append(h('details', { class: 'tool-result' }, h('summary', {}, 'Structured result'), h('pre', {}, pretty(data.output))));
    }
  }

  showResult(text) {
    this.outcome.hidden = false;
    this.outcome.append(
      h('section', { class: 'result', 'aria-label': 'Result' }, h('h3', {}, 'Result'), h('pre', { class: 'result-text' }, text)),
    );
  }

  showError(headline, detail) {
    this.outcome.hidden = false;
    const box = h('div', { class: 'job-error', role: 'alert' }, h('h3', {}, headline), detail ? h('pre', { class: 'error-text' }, detail) : null);
    this.outcome.append(box);
  }

  focusHeading() {
    focus(this.root.querySelector('h2'));
  }
}
