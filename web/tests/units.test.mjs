// The console's DOM-free logic under Node: schema forms and the agent-list parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOf, collect, checkField, fieldHint } from '../js/schema.js';
import { parseAgentList } from '../js/agentlist.js';

const EXECUTE = {
  type: 'object',
  additionalProperties: false,
  required: ['agent_id', 'input_text'],
  properties: {
    agent_id: { type: 'string', description: 'The agent to run.' },
    input_text: { type: 'string' },
    output_format: { type: 'string', enum: ['text', 'json'] },
    timeout: { type: 'integer', format: 'uint64', minimum: 1, default: 120 },
    clear_history: { type: 'boolean', default: false },
    initial_input: { type: ['string', 'null'], default: null },
    path: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    extra: { type: 'object' },
  },
};

test('schema properties become typed fields, required first', () => {
  const fields = fieldsOf(EXECUTE);
  assert.deepEqual(fields.map((f) => [f.name, f.kind, f.required]), [
    ['agent_id', 'string', true],
    ['input_text', 'string', true],
    ['clear_history', 'boolean', false],
    ['extra', 'json', false],
    ['initial_input', 'string', false],
    ['output_format', 'enum', false],
    ['path', 'string', false],
    ['timeout', 'integer', false],
  ]);
  const timeout = fields.find((f) => f.name === 'timeout');
  assert.equal(timeout.min, 1);
  assert.equal(fieldHint(timeout), 'default: 120 · at least 1 · optional');
  assert.equal(fields.find((f) => f.name === 'initial_input').nullable, true);
  assert.equal(fields.find((f) => f.name === 'path').nullable, true);
  assert.deepEqual(fieldsOf({ type: 'object', properties: {} }), []);
});

test('values are checked the way the gateway checks them', () => {
  const fields = fieldsOf(EXECUTE);
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
  assert.deepEqual(checkField(byName.timeout, '0'), { error: 'Must be at least 1.' });
  assert.deepEqual(checkField(byName.timeout, '1.5'), { error: 'Must be a whole number.' });
  assert.deepEqual(checkField(byName.timeout, ' 30 '), { value: 30 });
  assert.deepEqual(checkField(byName.timeout, ''), { omit: true });
  assert.deepEqual(checkField(byName.agent_id, ''), { error: 'Required.' });
  assert.deepEqual(checkField(byName.output_format, 'xml'), { error: 'Must be one of: text, json.' });
  assert.deepEqual(checkField(byName.output_format, 'json'), { value: 'json' });
  assert.deepEqual(checkField(byName.clear_history, false), { omit: true });
  assert.deepEqual(checkField(byName.clear_history, true), { value: true });
  assert.deepEqual(checkField(byName.extra, '{"a":1}'), { value: { a: 1 } });
  assert.deepEqual(checkField(byName.extra, '{bad'), { error: 'Must be valid JSON.' });
  // A string keeps its spaces: the text is the user's.
  assert.deepEqual(checkField(byName.input_text, '  hi  '), { value: '  hi  ' });
});

test('collect builds arguments, or lets the gateway judge them unchecked', () => {
  const fields = fieldsOf(EXECUTE);
  const raw = { agent_id: 'A', input_text: 'hi', timeout: '0', clear_history: false, output_format: '' };
  const checked = collect(fields, raw);
  assert.deepEqual(checked.errors, { timeout: 'Must be at least 1.' });
  const forced = collect(fields, raw, { check: false });
  assert.deepEqual(forced, { args: { agent_id: 'A', input_text: 'hi', timeout: 0 }, errors: {} });
  const ok = collect(fields, { ...raw, timeout: '', output_format: 'json', clear_history: true });
  assert.deepEqual(ok, { args: { agent_id: 'A', input_text: 'hi', output_format: 'json', clear_history: true }, errors: {} });
});

const LIST = `🤖 Agentes disponíveis em .conductor_workspace/agents/:
============================================================
 1. AgentCreator_Agent
     Nome: AgentCreator_Agent
     Capacidades: create_agent_scaffold
     Tags: meta, onboarding

 2. CodeReviewer_Agent
     Nome: Code Reviewer
     Capacidades: analyze_python_code, detect_code_smells, suggest_improvements...
     Tags: python, code-review, quality-analysis...

10. Bare_Agent

📊 Total: 3 agentes encontrados

💡 Para executar um agente:
   conductor execute --agent <agent_id> --input '<mensagem>'
`;

test('the agent list text becomes agents', () => {
  const { agents, total } = parseAgentList(LIST);
  assert.equal(total, 3);
  assert.deepEqual(agents.map((a) => a.id), ['AgentCreator_Agent', 'CodeReviewer_Agent', 'Bare_Agent']);
  const reviewer = agents[1];
  assert.equal(reviewer.name, 'Code Reviewer');
  assert.deepEqual(reviewer.capabilities, ['analyze_python_code', 'detect_code_smells', 'suggest_improvements']);
  assert.equal(reviewer.moreCapabilities, true);
  assert.deepEqual(reviewer.tags, ['python', 'code-review', 'quality-analysis']);
  assert.equal(agents[0].moreTags, false);
  assert.deepEqual(agents[2], {
    number: 10, id: 'Bare_Agent', name: 'Bare_Agent', capabilities: [], moreCapabilities: false, tags: [], moreTags: false,
  });
  assert.deepEqual(parseAgentList('❌ Nenhum agente encontrado.'), { agents: [], total: null });
});
