// Every screen in a real browser, with a screenshot of each: Jobs (and a
// replay), Agents (and one agent), Status (healthy and degraded, the API key),
// keyboard-only use and a phone-width screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  env, launch, screenshot, runCommand, waitFinished, assertNoProblems, assertLabelled, api,
} from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('Jobs lists recent jobs and replays one', async () => {
  const { page, problems } = browser;
  const started = await api(env.gateway, 'POST', '/api/v1/stream-execute', { input: '/info CodeReviewer_Agent' });
  assert.equal(started.status, 200);
  const id = started.body.job_id;
  await page.goto(`${env.gateway}/#/jobs`);
  const row = page.locator(`.job-row[data-job-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /\/info CodeReviewer_Agent/);
  await assertLabelled(page);
  await screenshot(page, 'jobs');

  await row.getByRole('link').click();
  await page.getByRole('heading', { name: 'Job replay' }).waitFor();
  const job = page.locator('#screen-jobs .job');
  assert.equal(await waitFinished(job), 'succeeded');
  assert.equal(await job.getAttribute('data-job-id'), id);
  assert.equal(await job.locator('.tool-card[data-tool="get_agent_info"]').getAttribute('data-status'), 'success');
  assert.match(await job.locator('.result-text').textContent(), /CodeReviewer_Agent/);
  // The replay starts at the first event.
  assert.equal(await job.locator('.raw-events li').first().getAttribute('data-event'), 'job_started');
  await screenshot(page, 'job-replay');

  // The state filter narrows the list.
  await page.getByRole('link', { name: '← All jobs' }).click();
  await page.getByLabel('Show').selectOption('cancelled');
  await page.waitForFunction(() => [...document.querySelectorAll('.job-row')].every((r) => r.dataset.state === 'cancelled'));
  assertNoProblems(problems);
});

test('Agents shows cards from list_available_agents and opens get_agent_info', async () => {
  const { page, problems } = browser;
  await page.goto(`${env.gateway}/#/agents`);
  const cards = page.locator('.agent-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 5);
  const reviewer = page.locator('.agent-card[data-agent-id="CodeReviewer_Agent"]');
  assert.match(await reviewer.textContent(), /analyze_python_code/);
  assert.match(await reviewer.textContent(), /code-review/);
  await screenshot(page, 'agents');

  await reviewer.getByRole('link', { name: 'CodeReviewer_Agent' }).click();
  const info = page.locator('.agent-info');
  await info.waitFor();
  assert.match(await info.textContent(), /CodeReviewer_Agent/);
  await screenshot(page, 'agent-info');

  // "Run this agent" fills the command box.
  await page.getByRole('button', { name: 'Run this agent…' }).click();
  await page.getByRole('heading', { name: 'Run a command' }).waitFor();
  assert.equal(await page.getByLabel('Command', { exact: true }).inputValue(), '/run CodeReviewer_Agent ');
  assertNoProblems(problems);
});

test('Status shows health with its reason', async () => {
  const { page, problems } = browser;
  await page.goto(`${env.gateway}/#/status`);
  await page.locator('#health-status').waitFor();
  assert.equal(await page.locator('#health-status').textContent(), 'Healthy');
  assert.equal(await page.locator('#health-badge').textContent(), 'Healthy');
  await assertLabelled(page);
  await screenshot(page, 'status');

  // The slow gateway has no LLM configured: degraded, and the page says why.
  await page.goto(`${env.slowGateway}/#/status`);
  await page.locator('#health-status').waitFor();
  assert.equal(await page.locator('#health-status').textContent(), 'Degraded');
  assert.match(await page.locator('#health-reasons').textContent(), /Language model: no LLM configured/);
  await screenshot(page, 'status-degraded');

  assertNoProblems(problems);
});

test('the console works with the keyboard alone', async () => {
  const { page, problems } = browser;
  await page.goto(`${env.gateway}/`);
  // The command box has focus on arrival: type and press Enter.
  await page.getByRole('heading', { name: 'Run a command' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'command-input');
  await page.keyboard.type('/help');
  await page.keyboard.press('Enter');
  const job = page.locator('#run-job .job');
  assert.equal(await waitFinished(job), 'succeeded');

  // Tab from the top of the page reaches the Agents tab; Enter opens it and focus lands on its heading.
  await page.evaluate(() => document.activeElement.blur());
  let reached = false;
  for (let i = 0; i < 12 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.dataset?.screen === 'agents');
  }
  assert.ok(reached, 'the Agents tab is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.locator('.agent-card').first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'agents-title');
  assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Agents');
  // An agent card's link is reachable and opens with Enter.
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.closest?.('.agent-card') !== null)) break;
  }
  await page.keyboard.press('Enter');
  await page.locator('.agent-info').waitFor();
  assertNoProblems(problems);
});

test('a phone-width screen stays readable', async () => {
  const phone = await launch({ viewport: { width: 375, height: 740 } });
  try {
    const { page, problems } = phone;
    await page.goto(`${env.gateway}/`);
    const job = await runCommand(page, '/list');
    assert.equal(await waitFinished(job), 'succeeded');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
    await screenshot(page, 'phone-run');
    await page.goto(`${env.gateway}/#/tools/migrate_storage`);
    await page.locator('#tool-form-migrate_storage-from_type').waitFor();
    const overflowTools = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflowTools <= 0, `no sideways scrolling on a tool form (overflow ${overflowTools}px)`);
    await screenshot(page, 'phone-tool-form');
    assertNoProblems(problems);
  } finally {
    await phone.close();
  }
});
