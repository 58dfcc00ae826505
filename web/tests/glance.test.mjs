// The Status screen at a glance and the Jobs screen's durations, owners,
// steps and filters, in a real browser: jobs run first, then the charts must
// show them (bars and points with size, the same numbers as text), refresh
// live, pause while the tab is hidden, and fit a phone-width screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, launch, screenshot, assertNoProblems, assertLabelled, api, WAIT } from './helpers.mjs';

const FULL_KEY = 'web-console-full-key-0001';
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Runs a command to its end through `/execute`; resolves to `{job_id, state}`. */
async function execute(base, input, key) {
  const response = await fetch(`${base}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ input }),
  });
  const body = await response.json();
  // 200 answers `status: success`; a failed job is a 500 that names its state.
  return { job_id: body.job_id, state: response.ok ? 'succeeded' : body.state };
}

/** The number shown in a stat tile. */
async function statValue(page, id) {
  return Number(await page.locator(`#${id}`).textContent());
}

/** Sizes of the chart's marks: bars' heights or points' count. */
async function marks(page, chart) {
  return page.evaluate((name) => {
    const svg = document.querySelector(`svg[data-chart="${name}"]`);
    if (!svg) return null;
    const bars = [...svg.querySelectorAll('rect.bar')].map((r) => Number(r.getAttribute('height')));
    return { bars, points: svg.querySelectorAll('.point').length, lines: svg.querySelectorAll('polyline.line').length };
  }, chart);
}

test('Status shows the jobs that ran, as charts and as text', async () => {
  const { page, problems } = browser;
  for (const input of ['/list', '/info CodeReviewer_Agent', '/list']) {
    assert.equal((await execute(env.gateway, input)).state, 'succeeded');
  }
  assert.equal((await execute(env.gateway, '/info NoSuch_Agent')).state, 'failed');
  const summary = await api(env.gateway, 'GET', '/api/v1/status/summary');
  assert.equal(summary.status, 200);
  assert.ok(summary.body.hour.jobs.succeeded >= 3 && summary.body.hour.jobs.failed >= 1, JSON.stringify(summary.body.hour));

  await page.goto(`${env.gateway}/#/status`);
  await page.waitForFunction(() => Number(document.querySelector('.glance')?.dataset.polls || 0) >= 1);

  const jobs = await marks(page, 'jobs');
  assert.ok(jobs.bars.length >= 2 && jobs.bars.every((h) => h > 0), `jobs bars: ${JSON.stringify(jobs)}`);
  assert.ok(await page.locator('svg[data-chart="jobs"] rect.series-succeeded').count() >= 1);
  assert.ok(await page.locator('svg[data-chart="jobs"] rect.series-failed').count() >= 1);
  const succeeded = Number(await page.locator('#glance-jobs .legend li[data-state="succeeded"] strong').textContent());
  const failed = Number(await page.locator('#glance-jobs .legend li[data-state="failed"] strong').textContent());
  assert.ok(succeeded >= 3 && failed >= 1, `legend: ${succeeded} succeeded, ${failed} failed`);
  assert.match(await page.locator('#glance-jobs .chart-text').textContent(), /jobs? finished in the last hour: \d+ succeeded, \d+ failed/);
  assert.match(await page.locator('svg[data-chart="jobs"]').getAttribute('aria-label'), /succeeded/);

  const cli = await marks(page, 'cli');
  assert.ok(cli.points >= 2, `p50 and p95 points: ${JSON.stringify(cli)}`);
  assert.ok(await statValue(page, 'glance-runs') >= 4);
  assert.match(await page.locator('#glance-p50').textContent(), /^\d+(\.\d)? (ms|s)$/);
  assert.match(await page.locator('#glance-p95').textContent(), /^\d+(\.\d)? (ms|s)$/);

  assert.equal(await statValue(page, 'glance-running'), 0);
  assert.match(await page.locator('#glance-load').textContent(), /of 16 allowed at once/);
  assert.ok(await page.locator('svg[data-chart="running"]').count() === 1);
  assert.equal(await statValue(page, 'glance-refused'), 0);
  assert.match(await page.locator('#glance-streams').textContent(), /Open SSE streams\d+/);
  await assertLabelled(page);
  await screenshot(page, 'status-glance');

  // Live: a job run now shows up without a reload.
  const before = Number(await page.locator('.glance').getAttribute('data-polls'));
  assert.equal((await execute(env.gateway, '/list')).state, 'succeeded');
  await page.waitForFunction(
    (n) => Number(document.querySelector('#glance-jobs .legend li[data-state="succeeded"] strong').textContent) > n,
    succeeded,
    { timeout: WAIT },
  );
  assert.ok(Number(await page.locator('.glance').getAttribute('data-polls')) > before);

  // A hidden tab stops asking; visible again, it asks at once.
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  assert.equal(await page.locator('.glance').getAttribute('data-paused'), 'true');
  assert.match(await page.locator('#glance-updated').textContent(), /Paused while this tab is hidden/);
  const paused = Number(await page.locator('.glance').getAttribute('data-polls'));
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForFunction((n) => Number(document.querySelector('.glance').dataset.polls) > n, paused, { timeout: WAIT });
  assertNoProblems(problems);
});

test('Status at phone width: the charts fit and keep their values', async () => {
  const phone = await launch({ viewport: { width: 375, height: 740 } });
  try {
    const { page, problems } = phone;
    await page.goto(`${env.gateway}/#/status`);
    await page.waitForFunction(() => Number(document.querySelector('.glance')?.dataset.polls || 0) >= 1);
    const jobs = await marks(page, 'jobs');
    assert.ok(jobs.bars.length >= 1 && jobs.bars.every((h) => h > 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
    const box = await page.locator('svg[data-chart="jobs"]').boundingBox();
    assert.ok(box.width > 200 && box.width <= 375 && box.height > 50, JSON.stringify(box));
    await screenshot(page, 'phone-status-glance');
    assertNoProblems(problems);
  } finally {
    await phone.close();
  }
});

test('Jobs shows durations and tool steps, and filters by text', async () => {
  const { page, problems } = browser;
  const info = await execute(env.gateway, '/info CodeReviewer_Agent');
  assert.equal(info.state, 'succeeded');
  const id = info.job_id;
  await page.goto(`${env.gateway}/#/jobs`);
  const row = page.locator(`.job-row[data-job-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.locator('.job-meta').textContent(), /took \d+(\.\d)? (ms|s)/);

  // Free text narrows the loaded rows.
  await page.getByLabel('Find').fill(id.slice(-12));
  await page.waitForFunction(() => [...document.querySelectorAll('.job-row')].filter((r) => !r.hidden).length === 1);
  assert.equal(await row.isVisible(), true);
  assert.match(await page.locator('#screen-jobs [role="status"]').first().textContent(), /1 job of the \d+ loaded match/);
  await page.getByLabel('Find').fill('no job has this text');
  await page.waitForFunction(() => [...document.querySelectorAll('.job-row')].every((r) => r.hidden));
  await page.getByLabel('Find').fill('/info');
  await row.waitFor();

  // The steps open with the keyboard and come from the job's events.
  await row.locator('summary').focus();
  await page.keyboard.press('Enter');
  const step = row.locator('.steps li[data-tool="get_agent_info"]');
  await step.waitFor();
  assert.equal(await step.getAttribute('data-status'), 'success');
  assert.match(await step.textContent(), /get_agent_info\s*success · \d+(\.\d)? (ms|s)/);
  await screenshot(page, 'jobs-steps');
  assertNoProblems(problems);
});

test('Jobs shows who ran each job when API keys are on', async () => {
  const { page, problems } = browser;
  const job = await execute(env.securedGateway, '/list', FULL_KEY);
  assert.equal(job.state, 'succeeded');
  await page.goto(`${env.securedGateway}/#/status`);
  await page.getByLabel('API key').fill(FULL_KEY);
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.getByText('A key is set for this tab').waitFor();
  await page.goto(`${env.securedGateway}/#/jobs`);
  const row = page.locator(`.job-row[data-job-id="${job.job_id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-owner'), 'web-full');
  assert.match(await row.locator('.job-meta').textContent(), /by web-full/);
  await page.getByLabel('Find').fill('web-full');
  await page.waitForFunction(() => [...document.querySelectorAll('.job-row')].some((r) => !r.hidden));
  await row.getByRole('link').click();
  await page.getByRole('heading', { name: 'Job replay' }).waitFor();
  await page.locator('#screen-jobs .facts dd', { hasText: 'web-full' }).waitFor();
  await page.evaluate(() => sessionStorage.clear());
  // The Status screen was first shown without a key.
  assertNoProblems(problems, [/status of 401/]);
});
