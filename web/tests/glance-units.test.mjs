// The Status charts' and the Jobs steps' DOM-free logic under Node: axis
// maxima, bar and line layouts, durations in words, tool steps from events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceMax, stackLayout, lineLayout, formatMs, HEIGHT, WIDTH } from '../js/charts.js';
import { toolSteps, jobDuration } from '../js/steps.js';
import { jobsSentence } from '../js/glance.js';

test('axis maxima are round and never below the data', () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(undefined), 1);
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(7), 10);
  assert.equal(niceMax(11), 20);
  assert.equal(niceMax(480), 500);
  assert.equal(niceMax(1200), 2000);
});

test('stacked bars share the height by value and skip empty parts', () => {
  const rows = [{ a: 0, b: 0 }, { a: 2, b: 3 }, { a: 1 }];
  const { max, bars } = stackLayout(rows, ['a', 'b']);
  assert.equal(max, 5);
  assert.equal(bars.length, 3);
  assert.deepEqual(bars[0].segments, []);
  const [a, b] = bars[1].segments;
  assert.equal(a.key, 'a');
  assert.equal(a.height, (2 / 5) * HEIGHT);
  assert.equal(a.y, HEIGHT - a.height);
  assert.equal(b.y + b.height, a.y, 'b sits on a');
  assert.equal(b.y, 0, 'the tallest bar reaches the top');
  assert.equal(bars[2].total, 1);
  assert.ok(bars[2].x > bars[1].x && bars[2].x + bars[2].width <= WIDTH);
});

test('lines break at missing values', () => {
  const { max, lines } = lineLayout([{ key: 'p50', values: [null, 10, 20, null, 40] }]);
  assert.equal(max, 50);
  const [line] = lines;
  assert.equal(line.runs.length, 2);
  assert.equal(line.runs[0].length, 2);
  assert.equal(line.runs[1].length, 1);
  assert.equal(line.runs[1][0][1], HEIGHT - (40 / 50) * HEIGHT);
});

test('durations read as words', () => {
  assert.equal(formatMs(null), '–');
  assert.equal(formatMs(12.4), '12 ms');
  assert.equal(formatMs(2345), '2.3 s');
  assert.equal(formatMs(42000), '42 s');
  assert.equal(formatMs(125000), '2 min 5 s');
  assert.equal(formatMs(120000), '2 min');
});

test('tool steps pair starts and ends and time them', () => {
  const steps = toolSteps([
    { event: 'job_started', timestamp: 1 },
    { event: 'on_tool_start', data: { tool: 'list_available_agents' }, timestamp: 10 },
    { event: 'on_tool_start', data: { tool: 'get_agent_info' }, timestamp: 10.5 },
    { event: 'on_tool_end', data: { tool: 'list_available_agents', status: 'success', outcome: 'ok' }, timestamp: 10.25 },
    { event: 'on_tool_start', data: { tool: 'execute_agent' }, timestamp: 11 },
    { event: 'on_tool_end', data: { tool: 'get_agent_info', status: 'error', outcome: 'nonzero_exit' }, timestamp: 12 },
    { event: 'end_of_stream', data: { state: 'failed' } },
  ]);
  assert.deepEqual(steps.map((s) => [s.tool, s.status]), [
    ['list_available_agents', 'success'],
    ['get_agent_info', 'error'],
    ['execute_agent', 'stopped'],
  ]);
  assert.equal(steps[0].ms, 250);
  assert.equal(steps[1].ms, 1500);
  assert.equal(steps[1].outcome, 'nonzero_exit');
  assert.equal(steps[2].ms, null);
  assert.deepEqual(toolSteps([]), []);
});

test('a job lasts from start to end, or to now while it runs', () => {
  assert.equal(jobDuration({ started_at: null }), null);
  assert.equal(jobDuration({ started_at: 10, finished_at: 12.5 }), 2500);
  assert.equal(jobDuration({ started_at: 10, finished_at: null }, 11), 1000);
});

test('the jobs sentence counts every final state', () => {
  assert.equal(
    jobsSentence({ jobs: { succeeded: 3, failed: 1, cancelled: 0, timed_out: 0 } }),
    '4 jobs finished in the last hour: 3 succeeded, 1 failed, 0 timed out, 0 cancelled.',
  );
  assert.equal(jobsSentence({}), '0 jobs finished in the last hour: 0 succeeded, 0 failed, 0 timed out, 0 cancelled.');
});
