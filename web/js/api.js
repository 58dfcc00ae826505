// Talking to the gateway: JSON requests with the API key attached, errors
// turned into plain words, and stream URLs carrying the key for EventSource
// (which cannot send headers).

const KEY_STORAGE = 'conductor-gateway.api-key';

/** The API key kept in this tab's session storage ('' when none). */
export function getApiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

/** Stores the key for this tab only; an empty key forgets it. */
export function setApiKey(key) {
  const value = (key || '').trim();
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage may be disabled (private modes); the key then lasts until reload.
  }
  memoryKey = value;
}
let memoryKey = '';

function currentKey() {
  return getApiKey() || memoryKey;
}

/** An error the gateway answered (or the network failure), with plain words in `message`. */
export class ApiError extends Error {
  constructor(message, { status = 0, detail = '', field = null, body = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.field = field;
    this.body = body;
  }
}

/** The sentence a person reads for an HTTP failure. */
export function plainWords(status, detail, retryAfter) {
  const why = detail ? `: ${detail}` : '';
  switch (status) {
    case 0:
      return 'Cannot reach the gateway (network error). Check that it is running and that this page was opened from it.';
    case 400:
      return `The gateway did not accept the request${why}`;
    case 401:
      return currentKey()
        ? `The gateway did not accept this API key${why}. Check it on the Status screen.`
        : 'The gateway needs an API key. Enter one on the Status screen.';
    case 403:
      return `This API key is not allowed to do that${why}`;
    case 404:
      return detail || 'Not found.';
    case 409:
      return detail || 'That conflicts with the current state.';
    case 413:
      return `Too large for the gateway${why}`;
    case 422:
      return `Invalid input${why}`;
    case 429:
      return `The gateway is busy${retryAfter ? ` (try again in ${retryAfter} s)` : ''}${why}`;
    case 503:
      return `The gateway is unavailable right now${why}`;
    case 504:
      return `The gateway gave up waiting${why}`;
    default:
      return status >= 500 ? `The gateway failed${why}` : `Request failed (HTTP ${status})${why}`;
  }
}

/** Headers every API request carries. */
export function authHeaders() {
  const key = currentKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** Sends a request; resolves to the parsed JSON body, rejects with an ApiError. */
export async function request(method, path, body, { signal } = {}) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  const init = { method, headers, signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(plainWords(0), { status: 0 });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === 'string' ? data.detail : text.slice(0, 500);
    throw new ApiError(plainWords(response.status, detail, response.headers.get('Retry-After')), {
      status: response.status,
      detail,
      field: data && typeof data.field === 'string' ? data.field : null,
      body: data,
    });
  }
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts);

/**
 * A stream URL for EventSource: the key goes as `access_token` (EventSource
 * cannot set headers) and `lastEventId` as `last_event_id` when reconnecting by hand.
 */
export function streamUrl(path, { lastEventId = 0 } = {}) {
  const url = new URL(path, location.href);
  const key = currentKey();
  if (key) url.searchParams.set('access_token', key);
  if (lastEventId > 0) url.searchParams.set('last_event_id', String(lastEventId));
  return url.pathname + url.search;
}

/** Calls one catalogue tool. */
export function callTool(name, args) {
  return post(`/api/v1/tools/${encodeURIComponent(name)}`, args);
}

/** Starts a job from a command text. */
export function startJob(text) {
  return post('/api/v1/stream-execute', { input: text, metadata: { source: 'web-console' } });
}
