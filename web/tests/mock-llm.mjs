// A small OpenAI-compatible chat-completions server for the console's tests.
//
//   node web/tests/mock-llm.mjs [--port N]   prints "mock-llm listening on <port>"
//
// POST .../chat/completions with `"stream": true` answers `chat.completion.chunk`
// Server-Sent Events (`data: {...}\n\n`, then `data: [DONE]\n\n`); without it, one
// `chat.completion`. When the last user message contains "pieces", the answer is
// PIECES and, while streaming, each piece after the first waits for a
// `POST /__control/release`: the test releases a piece only after it has seen the
// previous one in the page, so "tokens appear one by one" is observed, not timed.
// When it contains "which agents", the first answer is a call of the
// `list_available_agents` tool, and once the tool's result is in the
// conversation the answer says how many agents the result listed.
// When it contains "clear the history", the first answer is a call of the
// destructive `clear_agent_history` tool (the gateway asks for approval), and
// the answer after its result says whether it was cleared or denied.
// `GET /__control/requests` lists the requests received (bodies as JSON).

import http from 'node:http';

export const PIECES = ['Hel', 'lo', ', ', 'wor', 'ld', '!'];
const PLAIN = ['Mock ', 'answer', '.'];
/** A gated piece goes out anyway after this long, so a dead test cannot hang the server. */
const GATE_LIMIT_MS = 60000;

export function createMockLlm() {
  const requests = [];
  let credits = 0;
  const waiters = [];

  function release() {
    const next = waiters.shift();
    if (next) next();
    else credits += 1;
  }

  function gate() {
    if (credits > 0) {
      credits -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }, GATE_LIMIT_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  function lastUserText(body) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const m = messages[i];
      if (m && m.role === 'user') {
        if (typeof m.content === 'string') return m.content;
        if (Array.isArray(m.content)) return m.content.map((p) => p.text || '').join(' ');
      }
    }
    return '';
  }

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://mock');

    if (url.pathname === '/__control/release' && req.method === 'POST') {
      release();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ released: true, waiting: waiters.length }));
      return;
    }
    if (url.pathname === '/__control/requests') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(requests));
      return;
    }
    if (!url.pathname.endsWith('/chat/completions') || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `mock-llm: no route ${req.method} ${url.pathname}` } }));
      return;
    }

    let body = {};
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'mock-llm: body is not JSON' } }));
      return;
    }
    requests.push({ path: url.pathname, body });
    const userText = lastUserText(body);
    const gated = userText.includes('pieces');
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const toolResult = [...messages].reverse().find((m) => m && m.role === 'tool');
    const clears = userText.includes('clear the history');
    const wantsTool = (userText.includes('which agents') || clears) && !toolResult;
    let pieces = gated ? PIECES : PLAIN;
    if (userText.includes('which agents') && toolResult) {
      const n = (String(toolResult.content).match(/^\s*\d+\. \S+/gm) || []).length;
      pieces = ['The project ', `has ${n} `, 'agents.'];
    }
    if (clears && toolResult) {
      pieces = String(toolResult.content).includes('denied') ? ['Not cleared', ': denied.'] : ['History ', 'cleared.'];
    }
    const id = `chatcmpl-mock-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model || 'mock-model';

    const call = clears
      ? { id: `call_${requests.length}`, type: 'function', function: { name: 'clear_agent_history', arguments: '{"agent_id":"CodeReviewer_Agent"}' } }
      : { id: `call_${requests.length}`, type: 'function', function: { name: 'list_available_agents', arguments: '{}' } };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (wantsTool) {
        res.end(JSON.stringify({
          id, object: 'chat.completion', created, model,
          choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }],
        }));
        return;
      }
      res.end(JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: pieces.join('') }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length },
      }));
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (delta, finish = null) => {
      res.write(`data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`);
    };
    if (wantsTool) {
      // The call arrives in fragments, as real servers send it.
      send({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      const args = call.function.arguments;
      const half = Math.floor(args.length / 2);
      send({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] });
      send({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] });
      send({}, 'tool_calls');
      res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
    send({ role: 'assistant', content: '' });
    for (let i = 0; i < pieces.length; i += 1) {
      if (gated && i > 0) await gate();
      if (res.destroyed) return;
      send({ content: pieces[i] });
    }
    send({}, 'stop');
    res.write('data: [DONE]\n\n');
    res.end();
  });
  return { server, release, requests };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  const { server } = createMockLlm();
  server.listen(port, '127.0.0.1', () => {
    console.log(`mock-llm listening on ${server.address().port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
