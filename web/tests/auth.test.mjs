// The console against a gateway with API keys: plain words without a key or
// with too small a key, and with a good key every request carries it (as a
// header, and as access_token on the event stream, which cannot send headers).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, launch, screenshot, runCommand, waitFinished, assertNoProblems } from './helpers.mjs';

const FULL_KEY = 'web-console-full-key-0001';
const READ_KEY = 'web-console-read-key-0002';
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function saveKey(page, key) {
  await page.goto(`${env.securedGateway}/#/status`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.getByText(`A key is set for this tab (ending …${key.slice(-4)}).`).waitFor();
}

async function refused(page, command) {
  await page.goto(`${env.securedGateway}/#/run`);
  await page.getByLabel('Command', { exact: true }).fill(command);
  await page.getByLabel('Command', { exact: true }).press('Enter');
  const error = page.locator('#run-error');
  await error.waitFor();
  return error.textContent();
}

test('without a key, or with a wrong one, the console says what to do', async () => {
  const { page, problems } = browser;
  assert.equal(await refused(page, '/list'), 'The gateway needs an API key. Enter one on the Status screen.');
  await screenshot(page, 'auth-needed');

  // Health stays open, so the Status screen works before any key is given.
  await page.goto(`${env.securedGateway}/#/status`);
  await page.locator('#health-status').waitFor();

  await saveKey(page, 'not-a-key');
  assert.match(await refused(page, '/list'), /^The gateway did not accept this API key.*Check it on the Status screen\.$/);
  assertNoProblems(problems, [/status of 401/]);
});

test('a read-only key may read but not run', async () => {
  const { page, problems } = browser;
  await saveKey(page, READ_KEY);
  assert.match(await refused(page, '/list'), /^This API key is not allowed to do that: .*run/);
  await page.goto(`${env.securedGateway}/#/agents`);
  await page.locator('.agent-card').first().waitFor();
  // The Status screen's figures were read with the previous, wrong key.
  assertNoProblems(problems, [/status of 403/, /status of 401/]);
});

test('with a key, requests carry it and the stream gets it as access_token', async () => {
  const { page, problems } = browser;
  await saveKey(page, FULL_KEY);
  await page.goto(`${env.securedGateway}/#/run`);
  const posted = page.waitForRequest((r) => r.url().endsWith('/api/v1/stream-execute'));
  const streamed = page.waitForRequest((r) => r.url().includes('/api/v1/stream/'));
  const job = await runCommand(page, '/list');
  assert.equal((await posted).headers().authorization, `Bearer ${FULL_KEY}`);
  assert.match((await streamed).url(), new RegExp(`[?&]access_token=${FULL_KEY}`));
  assert.equal(await waitFinished(job), 'succeeded');
  assert.match(await job.locator('.result-text').textContent(), /CodeReviewer_Agent/);

  // The replay on the Jobs screen authenticates the same way.
  await page.goto(`${env.securedGateway}/#/jobs`);
  await page.locator('.job-row').first().getByRole('link').click();
  assert.equal(await waitFinished(page.locator('#screen-jobs .job')), 'succeeded');

  // Forgetting the key removes it from the tab.
  await page.goto(`${env.securedGateway}/#/status`);
  await page.getByRole('button', { name: 'Forget key' }).click();
  await page.getByText('No key set.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('conductor-gateway.api-key')), null);
  // Without a key the Status screen's figures are refused, and it says so.
  await page.locator('#screen-status .glance [role="alert"]', { hasText: 'needs an API key' }).waitFor();
  assertNoProblems(problems, [/status of 401/]);
});
