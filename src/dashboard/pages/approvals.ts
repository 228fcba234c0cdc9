// Approvals: the high-impact changes an app or key queued with queue_for_approval, waiting for a
// person. Every member may read them; an admin or owner decides (Approve executes the change,
// Deny records why). The decision is taken under the approval's row lock (domain/updates), so when
// two admins decide at once one decision holds and the other admin is shown it.
import { AppError, invalidArgument } from '../../shared/errors.js';
import { html, type SafeHtml } from '../../shared/html.js';
import type { ApprovalDetail, ApprovalItem } from '../../domain/updates/approvals.service.js';
import { MAX_REASON_LENGTH } from '../../domain/updates/approvals.service.js';
import { alertBox, businessPath, csrfField, formText, hasRole, type PageContext, type PageModule, seeOther } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

/** How each status reads to a person. */
const STATUS_WORDS: Record<ApprovalItem['status'], string> = {
  pending: 'Waiting for a decision',
  approved: 'Approved',
  executed: 'Approved and executed',
  denied: 'Denied',
  failed: 'Approved, but could not be applied',
};

const INTENT_WORDS: Record<string, string> = {
  'agent.patch': 'Agent configuration',
  'phone.emergency_address.set': 'Emergency (E911) address',
  'transcripts.sink.configure': 'Transcript delivery',
};

const HISTORY_SHOWN = 50;

/** A JSON-ish value as short text for the diff table. */
function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 1).replace(/\s*\n\s*/g, ' ');
}

function changeTable(plan: NonNullable<ApprovalDetail['plan']>, pending: boolean): SafeHtml {
  const rows = Object.entries(plan.changes).map(([field, change]) => [
    html`<code>${field}</code>${plan.high_impact_fields.includes(field) ? html` <strong>(high impact)</strong>` : ''}`,
    html`<span class="value">${valueText(change.from)}</span>`,
    html`<span class="value">${valueText(change.to)}</span>`,
  ]);
  return listTable({
    caption: pending ? 'What approving would change' : 'What was changed',
    columns: ['Field', pending ? 'Now' : 'Before', pending ? 'After approval' : 'After'],
    rows,
    empty: pending ? 'Nothing would change: the values are already set.' : 'Nothing was changed.',
  });
}

/** What the request asked for, when there is no diff to show (denied, failed, or a target gone). */
function requestedTable(requested: Record<string, unknown>): SafeHtml {
  return listTable({
    caption: 'What was asked',
    columns: ['Field', 'Asked value'],
    rows: Object.entries(requested).map(([field, value]) => [html`<code>${field}</code>`, html`<span class="value">${valueText(value)}</span>`]),
    empty: 'The request named no field.',
  });
}

function resultNotice(ctx: PageContext, approval: ApprovalDetail): SafeHtml {
  const result = typeof ctx.query.result === 'string' ? ctx.query.result : '';
  if (result === 'mine') {
    return html`<p class="notice" role="status">${
      approval.status === 'executed'
        ? 'You approved this change and it was applied.'
        : approval.status === 'denied'
          ? 'You denied this change; nothing was applied.'
          : approval.status === 'failed'
            ? 'You approved this change, but it could not be applied (see below).'
            : STATUS_WORDS[approval.status]
    }</p>`;
  }
  if (result === 'theirs' && approval.decided_by === ctx.state.user.id) {
    // A second submit of the same form (a double click, a reload): the first one decided.
    return html`<p class="notice" role="status">You had already decided this approval: ${STATUS_WORDS[approval.status].toLowerCase()}.</p>`;
  }
  if (result === 'theirs') {
    return html`<p class="notice" role="status">${approval.decider ?? 'Someone'} decided this approval before you did: ${STATUS_WORDS[approval.status].toLowerCase()}. Your decision was not applied.</p>`;
  }
  return html``;
}

function detailPage(ctx: PageContext, approval: ApprovalDetail, form: { error?: string; reason?: string; status?: number } = {}): void {
  const pending = approval.status === 'pending';
  const canDecide = hasRole(ctx.state.role, 'admin');
  const errorMessage = typeof approval.result?.message === 'string' ? approval.result.message : null;
  const source = typeof approval.requested_by.source === 'string' ? approval.requested_by.source : null;
  renderPage(ctx, {
    title: 'Approval',
    active: 'approvals',
    status: form.status,
    body: html`<p><a href="${businessPath(ctx, '/approvals')}">All approvals</a></p>
<h1>${approval.summary}</h1>
${resultNotice(ctx, approval)}
<dl class="facts">
<dt>Status</dt><dd>${STATUS_WORDS[approval.status]}</dd>
<dt>Kind of change</dt><dd>${INTENT_WORDS[approval.intent] ?? approval.intent} <span class="muted">(<code>${approval.intent}</code>)</span></dd>
<dt>Requested by</dt><dd>${approval.requester}${source ? html` <span class="muted">with <code>${source}</code></span>` : ''}</dd>
<dt>Requested</dt><dd>${formatTime(ctx.state, new Date(approval.created_at))}</dd>
</dl>
<h2>Risk</h2>
${
  approval.risk.level === 'high'
    ? html`<p><strong>High impact.</strong> A person must approve this because it:</p><ul>${approval.risk.reasons.map((r) => html`<li>${r}</li>`)}</ul>`
    : html`<p>No high-impact field would change.</p>`
}
${approval.problem ? html`<p class="warning">${approval.problem}</p>` : ''}
<h2>The change</h2>
${approval.plan ? changeTable(approval.plan, pending) : html`<p class="muted">${pending ? 'The change cannot be worked out now (see above).' : 'Nothing was applied.'}</p>`}
${approval.plan ? '' : requestedTable(approval.requested)}
${
  pending
    ? canDecide
      ? html`<h2>Decide</h2>
${alertBox(form.error)}
<form method="post" action="${businessPath(ctx, `/approvals/${approval.id}/decide`)}" novalidate>
${csrfField(ctx)}
<label for="reason">Reason</label>
<textarea id="reason" name="reason" rows="3" maxlength="${MAX_REASON_LENGTH}" aria-describedby="reason-hint">${form.reason ?? ''}</textarea>
<p class="muted" id="reason-hint">Optional when approving; needed when denying, so the requester knows what to do next.</p>
<div class="actions">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="danger">Deny</button>
</div>
</form>`
      : html`<p class="notice">An admin or owner of ${ctx.state.business.name} decides this change.</p>`
    : html`<h2>Decision</h2>
<dl class="facts">
<dt>Outcome</dt><dd>${STATUS_WORDS[approval.status]}</dd>
<dt>Decided by</dt><dd>${approval.decider ?? '—'}</dd>
<dt>Decided</dt><dd>${formatTime(ctx.state, approval.decided_at ? new Date(approval.decided_at) : null)}</dd>
<dt>Reason</dt><dd>${approval.decision_reason ?? '—'}</dd>
${errorMessage ? html`<dt>Why it was not applied</dt><dd>${errorMessage}</dd>` : ''}
</dl>`
}`,
  });
}

export const approvalsPages: PageModule = (routes, { domain }) => {
  routes.get('/approvals', 'member', async (ctx) => {
    const { business } = ctx.state;
    const { pending, history } = await domain.approvals.overview({ businessId: business.id, historyLimit: HISTORY_SHOWN });
    const link = (a: ApprovalItem) => html`<a href="${businessPath(ctx, `/approvals/${a.id}`)}">${a.summary}</a>`;
    renderPage(ctx, {
      title: 'Approvals',
      active: 'approvals',
      body: html`<h1>Approvals</h1>
<p class="muted">High-impact changes that an app or API key asked for and a person must approve.${hasRole(ctx.state.role, 'admin') ? '' : ' An admin or owner decides them; you can read them.'}</p>
<h2>Waiting for a decision</h2>
${listTable({
  caption: 'Approvals waiting for a decision, newest first',
  columns: ['Change', 'Kind', 'Requested by', 'Requested'],
  rows: pending.map((a) => [link(a), INTENT_WORDS[a.intent] ?? a.intent, a.requester, formatTime(ctx.state, new Date(a.created_at))]),
  empty: 'Nothing is waiting for a decision.',
})}
<h2>History</h2>
${listTable({
  caption: `Decided approvals, newest first (up to ${HISTORY_SHOWN})`,
  columns: ['Change', 'Outcome', 'Requested by', 'Decided by', 'Decided', 'Reason'],
  rows: history.map((a) => [
    link(a),
    STATUS_WORDS[a.status],
    a.requester,
    a.decider ?? '—',
    formatTime(ctx.state, a.decided_at ? new Date(a.decided_at) : null),
    a.decision_reason ?? '—',
  ]),
  empty: 'No approval has been decided yet.',
})}`,
    });
  });

  routes.get('/approvals/:id', 'member', async (ctx) => {
    detailPage(ctx, await domain.approvals.detail({ businessId: ctx.state.business.id, approvalId: ctx.params.id! }));
  });

  // The role is checked before this runs (admin); a member posting here gets 403, nothing changes.
  routes.post('/approvals/:id/decide', 'admin', async (ctx) => {
    const businessId = ctx.state.business.id;
    const approvalId = ctx.params.id!;
    const decision = formText(ctx, 'decision');
    const reason = formText(ctx, 'reason');
    try {
      if (decision !== 'approve' && decision !== 'deny') throw invalidArgument('Choose Approve or Deny.', { field: 'decision' });
      const { decidedNow } = await domain.approvals.decide({ businessId, approvalId, userId: ctx.state.user.id, decision, reason });
      seeOther(ctx, businessPath(ctx, `/approvals/${approvalId}?result=${decidedNow ? 'mine' : 'theirs'}`));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'invalid_argument') throw err;
      const approval = await domain.approvals.detail({ businessId, approvalId });
      detailPage(ctx, approval, { error: err.message, reason, status: 400 });
    }
  });
};
