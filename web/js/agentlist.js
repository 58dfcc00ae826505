// Reads the conductor's `--list` text (what `list_available_agents` answers)
// into agents. The CLI prints, per agent:
//
//    1. CodeReviewer_Agent
//        Nome: CodeReviewer_Agent
//        Capacidades: analyze_python_code, detect_code_smells, suggest_improvements...
//        Tags: python, code-review, quality-analysis...
//
// Only the first three capabilities and tags are printed; a trailing `...`
// says there are more. No DOM here, so Node's test runner can test it.

const ENTRY = /^\s*(\d+)\.\s+(\S+)\s*$/;
const FIELD = /^\s+(Nome|Name|Capacidades|Capabilities|Tags)\s*:\s*(.*?)\s*$/;

function list(text) {
  let value = text.trim();
  const more = value.endsWith('...');
  if (more) value = value.slice(0, -3);
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  return { items, more };
}

/**
 * @returns {{agents: Array<{number:number,id:string,name:string,capabilities:string[],moreCapabilities:boolean,tags:string[],moreTags:boolean}>, total: number|null}}
 */
export function parseAgentList(text) {
  const agents = [];
  let current = null;
  let total = null;
  for (const line of String(text || '').split(/\r?\n/)) {
    const entry = ENTRY.exec(line);
    if (entry) {
      current = {
        number: Number(entry[1]),
        id: entry[2],
        name: entry[2],
        capabilities: [],
        moreCapabilities: false,
        tags: [],
        moreTags: false,
      };
      agents.push(current);
      continue;
    }
    const totalMatch = /Total:\s*(\d+)/.exec(line);
    if (totalMatch) {
      total = Number(totalMatch[1]);
      current = null;
      continue;
    }
    const field = current && FIELD.exec(line);
    if (!field) continue;
    const [, key, value] = field;
    if (key === 'Nome' || key === 'Name') current.name = value;
    else if (key === 'Capacidades' || key === 'Capabilities') {
      const { items, more } = list(value);
      current.capabilities = items;
      current.moreCapabilities = more;
    } else {
      const { items, more } = list(value);
      current.tags = items;
      current.moreTags = more;
    }
  }
  return { agents, total };
}
