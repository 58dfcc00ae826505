// Shared by the browser tests: the servers scripts/test-web.sh started, Debian's
// Chromium driven by playwright-core, screenshots, and a cutting proxy that
// drops live streams on demand (a real dropped connection, seen by the browser).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through scripts/test-web.sh`);
  return value.replace(/\/$/, '');
}

export const env = {
  /** The gateway in demo mode, its LLM pointed at the mock. */
  get gateway() { return required('GATEWAY_URL'); },
  /** A second gateway whose CLI double is slow (`slow,drip`) and has no LLM. */
  get slowGateway() { return required('SLOW_GATEWAY_URL'); },
  /** A third gateway with API keys configured (see scripts/test-web.sh for the keys). */
  get securedGateway() { return required('SECURED_GATEWAY_URL'); },
  get mockLlm() { return required('MOCK_LLM_URL'); },
  get screenshots() { return process.env.SCREENSHOT_DIR || path.resolve('test-output/screenshots'); },
};

/** How long any DOM condition may take before the test fails. */
export const WAIT = 20000;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium with a fresh profile. Playwright takes the profile folder as
 * an argument of `launchPersistentContext` (it refuses `--user-data-dir` in args).
 * Every page's errors and console errors are collected in `problems`.
 */
export async function launch({ viewport = { width: 1280, height: 900 } } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  context.setDefaultTimeout(WAIT);
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] || (await context.newPage());
  watch(page);
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(env.screenshots, `${name}.png`), fullPage: true });
}

/** Types a command in the Run screen and starts it with Enter; resolves to the job's view. */
export async function runCommand(page, text) {
  const box = page.getByLabel('Command', { exact: true });
  await box.fill(text);
  const previous = await page.evaluate(() => document.querySelector('#run-job .job')?.dataset.jobId ?? null);
  await box.press('Enter');
  const job = page.locator('#run-job .job');
  await page.waitForFunction(
    (prev) => {
      const el = document.querySelector('#run-job .job');
      return el && el.dataset.jobId !== prev;
    },
    previous,
    { timeout: WAIT },
  );
  return job;
}

/** Waits until the job view reaches a terminal state and its stream is complete. */
export async function waitFinished(job) {
  await job.locator('.conn[data-conn="finished"], .conn[data-conn="stopped"]').waitFor({ timeout: WAIT });
  return job.getAttribute('data-state');
}

/**
 * Fails when any page reported an error (CSP violations, exceptions, failed
 * loads) since the last call; `allow` lists expected ones.
 */
export function assertNoProblems(problems, allow = []) {
  const left = problems.splice(0).filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'the page reported errors');
}

/** Every form control on the page has an accessible label. */
export async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.closest('[hidden]') || el.type === 'hidden') continue;
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
        || (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
  assert.deepEqual(unlabelled, [], 'controls without a label');
}

/**
 * An HTTP proxy in front of a gateway that can cut every open event stream at
 * once. The browser sees the connection die mid-job, and its EventSource
 * reconnects by itself with Last-Event-ID. It records each stream request's
 * Last-Event-ID header and the event ids each connection carried.
 * `intercept(req, res)` may answer a request itself and return true.
 */
export async function startCuttingProxy(target, { intercept } = {}) {
  const live = new Set();
  const streams = [];
  const server = http.createServer((req, res) => {
    // A test may answer some requests itself (a scripted job) instead of the gateway.
    if (intercept && intercept(req, res)) return;
    const isStream = req.url.startsWith('/api/v1/stream/');
    const record = isStream ? { url: req.url, lastEventId: req.headers['last-event-id'] ?? null, ids: [] } : null;
    if (record) streams.push(record);
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      if (record) {
        live.add(res);
        let partial = '';
        up.setEncoding('utf8');
        up.on('data', (text) => {
          const lines = (partial + text).split('\n');
          partial = lines.pop();
          for (const line of lines) {
            const m = /^id: (\d+)$/.exec(line);
            if (m) record.ids.push(Number(m[1]));
          }
        });
        res.on('close', () => {
          live.delete(res);
          up.destroy();
        });
      }
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    streams,
    /** Cuts every open stream connection; resolves to how many were cut. */
    cut() {
      const n = live.size;
      for (const res of live) res.socket?.destroy();
      return n;
    },
    close() {
      for (const res of live) res.socket?.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** JSON from the gateway, for checks beside the browser. */
export async function api(base, method, pathname, body) {
  const response = await fetch(`${base}${pathname}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}
