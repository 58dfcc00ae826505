// A destructive call the model makes waits for a person in the Run screen:
// the pending call with its arguments and Approve / Deny, then the job goes
// on with the answer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, WAIT, launch, screenshot, runCommand, waitFinished, assertNoProblems } from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

for (const [button, status, answer] of [['Approve', 'approved', /History cleared\./], ['Deny', 'denied', /Not cleared: denied\./]]) {
  test(`a destructive call waits for ${button}`, async () => {
    const { page, problems } = browser;
    await page.goto(`${env.gateway}/#/run`);
    const job = await runCommand(page, 'Please clear the history of CodeReviewer_Agent');
    const card = job.locator('.approval[data-status="pending"]');
    await card.waitFor({ timeout: WAIT });
    assert.equal(await job.getAttribute('data-state'), 'awaiting_approval');
    assert.match(await card.locator('code').first().textContent(), /clear_agent_history/);
    assert.match(await card.locator('.approval-args').textContent(), /CodeReviewer_Agent/);
    if (button === 'Approve') await screenshot(page, 'approval');
    await card.getByRole('button', { name: button }).click();
    await job.locator(`.approval[data-status="${status}"]`).waitFor({ timeout: WAIT });
    assert.equal(await waitFinished(job), 'succeeded');
    assert.match(await job.locator('.result-text').textContent(), answer);
    assertNoProblems(problems);
  });
}
