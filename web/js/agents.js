// The Agents screen: `list_available_agents` as cards; opening one shows
// `get_agent_info`, with a shortcut to run the agent.

import { h, replace, focus } from './dom.js';
import { callTool } from './api.js';
import { parseAgentList } from './agentlist.js';
import { setCommand } from './run.js';

let root;

export function mount(el) {
  root = el;
}

export function show(arg) {
  if (arg) showAgent(decodeURIComponent(arg));
  else showList();
}

/** A tool answer's text, or an Error carrying the tool's failure in plain words. */
async function toolText(name, args) {
  const answer = await callTool(name, args);
  if (answer.is_error) {
    throw new Error(answer.error || answer.readable || answer.text || `${name} failed`);
  }
  return answer.readable || answer.text || '';
}

function chips(label, items, more) {
  if (!items.length) return null;
  return [
    h('dt', {}, label),
    h('dd', {}, h('ul', { class: 'chips' }, items.map((i) => h('li', {}, i)), more ? h('li', { class: 'muted' }, 'and more') : null)),
  ];
}

async function showList() {
  const heading = h('h1', { id: 'agents-title', tabindex: '-1' }, 'Agents');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading the agents…');
  const grid = h('ul', { class: 'cards agent-cards' });
  const refresh = h('button', { type: 'button', onclick: () => showList() }, 'Refresh');
  replace(root, heading, h('div', { class: 'toolbar' }, refresh), status, grid);
  let text;
  try {
    text = await toolText('list_available_agents', {});
  } catch (e) {
    status.className = 'error';
    status.setAttribute('role', 'alert');
    status.textContent = e.message;
    return;
  }
  const { agents, total } = parseAgentList(text);
  if (!agents.length) {
    status.textContent = 'No agents found. The conductor said:';
    grid.replaceWith(h('pre', { class: 'readable' }, text));
    return;
  }
  status.textContent = `${total ?? agents.length} agent${agents.length === 1 ? '' : 's'}. Open one for its details.`;
  for (const agent of agents) {
    const headingId = `agent-${agent.number}`;
    grid.append(
      h('li', { class: 'card agent-card', dataset: { agentId: agent.id } },
        h('h2', { id: headingId }, h('a', { href: `#/agents/${encodeURIComponent(agent.id)}` }, agent.id)),
        agent.name !== agent.id ? h('p', {}, agent.name) : null,
        h('dl', { class: 'facts' },
          chips('Capabilities', agent.capabilities, agent.moreCapabilities),
          chips('Tags', agent.tags, agent.moreTags))),
    );
  }
}

async function showAgent(id) {
  const heading = h('h1', { id: 'agents-title', tabindex: '-1' }, 'Agent ', h('code', {}, id));
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const body = h('div');
  const run = h('button', {
    type: 'button',
    class: 'primary',
    onclick: () => {
      location.hash = '#/run';
      setCommand(`/run ${id} `);
    },
  }, 'Run this agent…');
  replace(root, h('a', { href: '#/agents', class: 'back' }, '← All agents'), heading, h('div', { class: 'toolbar' }, run), status, body);
  focus(heading);
  try {
    const text = await toolText('get_agent_info', { agent_id: id });
    status.textContent = '';
    body.append(h('pre', { class: 'readable agent-info' }, text));
  } catch (e) {
    status.className = 'error';
    status.setAttribute('role', 'alert');
    status.textContent = e.message;
  }
}
