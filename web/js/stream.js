// One job's event stream over EventSource, resumable and free of duplicates.
//
// The browser's EventSource reconnects by itself after a dropped connection and
// sends `Last-Event-ID`, so the gateway resumes after the last event seen.
// Event ids are the job's sequence numbers, so anything at or below the last id
// handled is a repeat and is dropped here whatever the server sends. When the
// browser gives up (the EventSource is CLOSED, e.g. after an HTTP error), this
// reconnects by hand with `?last_event_id=`, after finding out whether the job
// still exists and the key is accepted, so the user reads why it stopped.

import { get, streamUrl } from './api.js';

/** Connection states reported to `onConnection`. */
export const LIVE = 'live';
export const RECONNECTING = 'reconnecting';
export const FINISHED = 'finished';
export const STOPPED = 'stopped';

export class JobStream {
  /**
   * @param {string} path  the job's stream path (`/api/v1/stream/<id>`)
   * @param {object} hooks `onEvent(evt, id)`, `onConnection(state, detail)`
   */
  constructor(path, { onEvent, onConnection }) {
    this.path = path;
    this.jobPath = path.replace('/stream/', '/jobs/');
    this.onEvent = onEvent;
    this.onConnection = onConnection || (() => {});
    this.lastId = 0;
    this.connections = 0;
    this.duplicates = 0;
    this.finished = false;
    this.closed = false;
    this.es = null;
    this.retryTimer = null;
    this.retries = 0;
  }

  start() {
    this.open();
    return this;
  }

  open() {
    if (this.closed) return;
    const es = new EventSource(streamUrl(this.path, { lastEventId: this.lastId }));
    this.es = es;
    es.onopen = () => {
      this.connections += 1;
      this.retries = 0;
      this.onConnection(LIVE);
    };
    es.onmessage = (message) => this.handle(message);
    es.onerror = () => {
      if (this.closed || es !== this.es) return;
      if (es.readyState === EventSource.CLOSED) {
        this.es = null;
        this.onConnection(RECONNECTING, 'The connection was refused; checking the job…');
        this.diagnose();
      } else {
        // CONNECTING: the browser retries by itself and sends Last-Event-ID.
        this.onConnection(RECONNECTING, 'Connection lost; reconnecting…');
      }
    };
  }

  handle(message) {
    if (this.closed) return;
    const id = Number.parseInt(message.lastEventId, 10);
    if (Number.isFinite(id) && id > 0) {
      if (id <= this.lastId) {
        this.duplicates += 1;
        return;
      }
      this.lastId = id;
    }
    let evt;
    try {
      evt = JSON.parse(message.data);
    } catch {
      evt = { event: 'malformed', data: { text: String(message.data).slice(0, 500) } };
    }
    if (!evt || typeof evt !== 'object') return;
    this.onEvent(evt, Number.isFinite(id) ? id : null);
    if (evt.event === 'end_of_stream') {
      this.finished = true;
      // The server closes after end_of_stream; without this the browser would reconnect.
      this.stop(FINISHED);
    }
  }

  /** Asks the gateway why the stream was refused, then retries or explains. */
  async diagnose() {
    try {
      await get(this.jobPath);
    } catch (e) {
      if (this.closed) return;
      if (e.status === 404 || e.status === 401 || e.status === 403) {
        this.stop(STOPPED, e.message);
        return;
      }
      // Unreachable or failing: keep trying, slower each time.
    }
    if (this.closed) return;
    this.retries += 1;
    const delay = Math.min(15000, 500 * 2 ** Math.min(this.retries, 5));
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Closes the connection; `state` is reported once. */
  stop(state = STOPPED, detail = '') {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.es) this.es.close();
    this.es = null;
    this.onConnection(state, detail);
  }
}
