// A destructive tool call the model wants to make, waiting for a person:
// the tool and its arguments, Approve and Deny (the job's owner, or an admin,
// answers POST /api/v1/jobs/{id}/approvals/{call_id}), then who answered.

import { h, pretty } from './dom.js';
import { post } from './api.js';

/** The card for an `approval_required` event's data; `answered(data)` settles it. */
export function approvalCard(jobId, data) {
  const note = h('span', { class: 'approval-note', role: 'status' });
  const answer = async (approve) => {
    for (const b of buttons) b.disabled = true;
    note.textContent = approve ? 'Approving…' : 'Denying…';
    try {
      await post(
        `/api/v1/jobs/${encodeURIComponent(jobId)}/approvals/${encodeURIComponent(data.call_id)}`,
        { approve },
      );
      note.textContent = approve ? 'Approved.' : 'Denied.';
    } catch (e) {
      note.textContent = e.message;
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = [
    h('button', { type: 'button', class: 'approve', onclick: () => answer(true) }, 'Approve'),
    h('button', { type: 'button', class: 'deny danger', onclick: () => answer(false) }, 'Deny'),
  ];
  const secs = Number(data.timeout_secs) || 0;
  const card = h(
    'div',
    { class: 'approval', role: 'group', 'aria-label': `Approval for ${data.tool}`, dataset: { callId: data.call_id, status: 'pending' } },
    h('p', {}, 'The model wants to run ', h('code', {}, data.tool), '. It changes things: approve or deny it.'),
    h('pre', { class: 'approval-args' }, pretty(data.arguments ?? {})),
    secs ? h('p', { class: 'muted' }, `No answer within ${secs} s counts as a denial.`) : null,
    h('div', { class: 'approval-actions' }, ...buttons, note),
  );
  card.answered = ({ approved, by }) => {
    card.dataset.status = approved ? 'approved' : 'denied';
    for (const b of buttons) b.hidden = true;
    note.textContent = `${approved ? 'Approved' : 'Denied'} by ${by}.`;
  };
  return card;
}
