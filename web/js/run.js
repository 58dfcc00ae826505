// The Run screen: a command box that starts a job and shows it live.

import { startJob } from './api.js';
import { JobView } from './jobview.js';

let view = null;
let els = null;

export function mount() {
  els = {
    form: document.getElementById('run-form'),
    input: document.getElementById('command-input'),
    button: document.getElementById('run-button'),
    error: document.getElementById('run-error'),
    job: document.getElementById('run-job'),
  };
  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  if (pending !== null) setCommand(pending);
  els.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      run();
    }
  });
}

export function show() {}

let pending = null;

/** Puts a command in the box (e.g. from an agent card); it gets focus when the screen shows. */
export function setCommand(text) {
  if (!els) {
    pending = text;
    return;
  }
  els.input.value = text;
  els.input.setSelectionRange(text.length, text.length);
  pending = text;
}

/** Where focus goes when the screen opens: the box when a command was just put there. */
export function focusTarget() {
  if (pending === null) return null;
  pending = null;
  return els.input;
}

async function run() {
  const text = els.input.value.trim();
  els.error.hidden = true;
  if (!text) {
    els.error.textContent = 'Type a command first, for example /help.';
    els.error.hidden = false;
    els.input.focus();
    return;
  }
  els.button.disabled = true;
  try {
    const started = await startJob(text);
    if (view) view.close();
    view = new JobView(els.job, { ...started, command: text, state: 'queued' }).start();
  } catch (e) {
    els.error.textContent = e.message;
    els.error.hidden = false;
  } finally {
    els.button.disabled = false;
  }
}
