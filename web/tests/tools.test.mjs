// The Tools screen in a real browser: forms generated from the schemas, checks
// before sending, the gateway's 422 on the field it names, destructive tools
// asking first.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, launch, screenshot, assertNoProblems, assertLabelled } from './helpers.mjs';

let browser;
/** POSTs to /api/v1/tools/* the page made: `{name, status}`. */
const calls = [];

before(async () => {
  browser = await launch();
  browser.page.on('response', (r) => {
    const url = new URL(r.url());
    if (r.request().method() === 'POST' && url.pathname.startsWith('/api/v1/tools/')) {
      calls.push({ name: url.pathname.split('/').pop(), status: r.status(), body: r.request().postDataJSON() });
    }
  });
});

after(async () => {
  await browser?.close();
});

function field(page, tool, name) {
  return page.locator(`#tool-form-${tool}-${name}`);
}

function fieldError(page, tool, name) {
  return page.locator(`#tool-form-${tool}-${name}-error`);
}

test('every catalogue tool is listed with its annotations', async () => {
  const { page, problems } = browser;
  await page.goto(`${env.gateway}/#/tools`);
  const entries = page.locator('.tool-entry');
  await entries.first().waitFor();
  const catalogue = (await (await fetch(`${env.gateway}/api/v1/tools`)).json()).tools;
  assert.equal(await entries.count(), catalogue.length);
  const restore = page.locator('.tool-entry[data-tool="restore_agents"]');
  assert.match(await restore.locator('.annotations').textContent(), /destructive/);
  const list = page.locator('.tool-entry[data-tool="list_available_agents"]');
  assert.match(await list.locator('.annotations').textContent(), /read-only/);
  await screenshot(page, 'tools');
  assertNoProblems(problems);
});

test('a form checks its values before sending, and shows the gateway\'s 422', async () => {
  const { page, problems } = browser;
  const tool = 'execute_agent_stateless';
  await page.goto(`${env.gateway}/#/tools/${tool}`);
  await field(page, tool, 'agent_id').waitFor();
  await assertLabelled(page);
  // The schema became fields of the right kinds.
  assert.equal(await field(page, tool, 'output_format').evaluate((el) => el.tagName), 'SELECT');
  assert.deepEqual(
    await field(page, tool, 'output_format').locator('option').allTextContents(),
    ['(none)', 'text', 'json'],
  );
  assert.match(await page.getByText('default: 120').first().textContent(), /default: 120/);

  // Missing required fields and a bad number: refused in the browser, nothing sent.
  await field(page, tool, 'timeout').fill('0');
  await page.getByRole('button', { name: `Run ${tool}` }).click();
  await fieldError(page, tool, 'timeout').waitFor();
  assert.equal(await fieldError(page, tool, 'timeout').textContent(), 'Must be at least 1.');
  assert.equal(await fieldError(page, tool, 'agent_id').textContent(), 'Required.');
  assert.equal(await field(page, tool, 'agent_id').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), `tool-form-${tool}-agent_id`, 'focus goes to the first problem');
  await field(page, tool, 'timeout').fill('12x');
  await field(page, tool, 'agent_id').fill('CodeReviewer_Agent');
  await field(page, tool, 'input_text').fill('hello');
  await field(page, tool, 'timeout').press('Enter');
  await page.locator('.error-summary', { hasText: 'Must be a whole number.' }).waitFor();
  assert.equal(calls.filter((c) => c.name === tool).length, 0, 'nothing was sent');
  await screenshot(page, 'tool-form-checked');

  // Forced past the browser's checks: the gateway answers 422 and names the field.
  await field(page, tool, 'timeout').fill('0');
  await page.getByLabel('Send without checking in the browser (the gateway still checks)').check();
  await page.getByRole('button', { name: `Run ${tool}` }).click();
  await page.locator('.error-summary', { hasText: 'The gateway refused the arguments' }).waitFor();
  assert.match(await fieldError(page, tool, 'timeout').textContent(), /must be between 1 and 3600/);
  assert.equal(await field(page, tool, 'timeout').getAttribute('aria-invalid'), 'true');
  const forced = calls.filter((c) => c.name === tool);
  assert.equal(forced.length, 1);
  assert.equal(forced[0].status, 422);
  assert.deepEqual(forced[0].body, { agent_id: 'CodeReviewer_Agent', input_text: 'hello', timeout: 0 });
  await screenshot(page, 'tool-form-422');

  // A value only the gateway can judge (its configured ceiling) also comes back as 422.
  await page.getByLabel('Send without checking in the browser (the gateway still checks)').uncheck();
  await field(page, tool, 'timeout').fill('999999');
  await page.getByRole('button', { name: `Run ${tool}` }).click();
  await page.locator('.error-summary', { hasText: 'The gateway refused the arguments' }).waitFor();
  assert.equal(calls.filter((c) => c.name === tool).at(-1).status, 422);

  // Fixed, it runs and shows the structured result.
  await field(page, tool, 'timeout').fill('30');
  await page.getByRole('button', { name: `Run ${tool}` }).click();
  const result = page.locator('.tool-result-view');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-status'), 'success');
  assert.match(await result.locator('.readable').textContent(), /Resposta simulada/);
  assert.match(await result.locator('.structured pre').textContent(), /"returncode": 0/);
  assert.equal(await page.locator('.error-summary').isHidden(), true);
  assertNoProblems(problems, [/status of 422/]);
});

test('a destructive tool asks for confirmation first', async () => {
  const { page, problems } = browser;
  const tool = 'clear_agent_history';
  await page.goto(`${env.gateway}/#/tools/${tool}`);
  await field(page, tool, 'agent_id').fill('CodeReviewer_Agent');
  const before = calls.length;
  await page.getByRole('button', { name: `Run ${tool}` }).click();
  const dialog = page.getByRole('dialog', { name: `Run ${tool}?` });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel', 'the safe choice has focus');
  await screenshot(page, 'tool-confirm');
  await page.keyboard.press('Escape');
  await page.getByText('Not run.').waitFor();
  assert.equal(calls.length, before, 'declined: nothing sent');

  await page.getByRole('button', { name: `Run ${tool}` }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Run it' }).click();
  await page.locator('.tool-result-view').waitFor();
  assert.equal(calls.length, before + 1);
  assert.equal(calls.at(-1).name, tool);
  assertNoProblems(problems);
});
