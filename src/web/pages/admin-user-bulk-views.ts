import type { BulkAct, BulkOutcome, BulkPlan, BulkPlanEntry, BulkResult } from "../../domain/admin/bulk-users.ts";
import { errorCodes, type Refusal } from "../../domain/errors.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { counted } from "./admin-user-notices.ts";
import { formatTime } from "./session-table.ts";

const actNames: Readonly<Record<BulkAct, { title: string; button: string }>> = {
  disable: { title: "Disable", button: "Disable" },
  "end-sessions": { title: "End the sessions of", button: "End their sessions" },
  delete: { title: "Delete", button: "Delete" },
};

const shownDate = (iso: string | null) => (iso === null ? "" : formatTime(iso));

/**
 * A refusal as one sentence, said once: the use case's own detail when it gave one (it says the same as the
 * code's title, for this case), else the title; and the code, for support: this is an admin page.
 */
export function refusalSentence(refusal: Refusal): SafeHtml {
  return html`${refusal.detail ?? errorCodes[refusal.code].title} <code>${refusal.code}</code>`;
}

/** "2 sessions and 1 API token end"; counts withheld from this viewer are not guessed. */
function ending(sessions: number | null, tokens: number | null, verb: string): string {
  if (sessions === null) return `every session and API token ${verb}`;
  const parts = [
    counted(sessions, "session"),
    ...(tokens === null || tokens === 0 ? [] : [counted(tokens, "API token")]),
  ];
  return `${parts.join(" and ")} ${verb}`;
}

function plannedText(act: BulkAct, entry: BulkPlanEntry): SafeHtml {
  if (entry.refusal !== null) return html`<strong>Will be refused:</strong> ${refusalSentence(entry.refusal)}`;
  if (act === "delete" && entry.deletion !== null) {
    const plan = entry.deletion;
    const when =
      plan.mode === "erase"
        ? "Erased now: the account and its personal data go at once"
        : `Disabled now and scheduled for erasure on ${shownDate(plan.purgeAfter)} (restorable until then)`;
    return html`${when}; ${ending(entry.sessions, entry.tokens, "end")}.`;
  }
  if (act === "disable") return html`Disabled; ${ending(entry.sessions, entry.tokens, "end")}.`;
  return html`Signed out everywhere; ${ending(entry.sessions, null, "end")}.`;
}

export interface BulkFormValues {
  readonly reason: string;
}

export function bulkPlanPage(page: PageContext, plan: BulkPlan, values: BulkFormValues): SafeHtml {
  const names = actNames[plan.act];
  const going = plan.entries.filter((entry) => entry.refusal === null).length;
  const withReason = plan.act !== "end-sessions";
  return html`<p><a href="${page.base}/admin/users">← All users</a></p>
<h1>${names.title} ${counted(plan.entries.length, "user")}?</h1>
<section class="card" aria-labelledby="plan-title">
  <h2 id="plan-title">What happens to each</h2>
  <div class="table-wrap"><table class="bulk-plan">
  <thead><tr><th scope="col">User</th><th scope="col">What happens</th></tr></thead>
  <tbody>${plan.entries.map(
    (entry) => html`<tr class="${entry.refusal === null ? "planned" : "refused"}">
  <td>${entry.user?.email ?? html`<span class="hint">no such user</span>`}</td><td>${plannedText(plan.act, entry)}</td></tr>`,
  )}</tbody></table></div>
</section>
${
  going === 0
    ? html`<p>Nothing to do: every selected user would be refused.</p>`
    : html`<form class="card" method="post" action="${page.base}/admin/users/bulk">${csrfField(page)}
  <input type="hidden" name="act" value="${plan.act}">
  ${plan.entries.map((entry) => html`<input type="hidden" name="id" value="${entry.id}">`)}
  ${
    withReason
      ? html`<label for="reason">Reason <span class="hint">(recorded in the audit log for each user)</span></label>
  <textarea id="reason" name="reason" maxlength="500">${values.reason}</textarea>`
      : ""
  }
  ${
    plan.needsStepUp
      ? html`<label for="password">Your password <span class="hint">(asked once for the whole batch)</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password">`
      : ""
  }
  <div class="actions"><button type="submit" class="${plan.act === "delete" ? "danger" : ""}">${names.button} ${counted(going, "user")}</button>
  <a href="${page.base}/admin/users">Cancel</a></div>
</form>`
}`;
}

function doneText(outcome: BulkOutcome): string {
  const ended = `${counted(outcome.sessionsRevoked, "session")} and ${counted(outcome.tokensRevoked, "API token")} ended`;
  switch (outcome.status) {
    case "deleted":
      return `Erased; ${ended}.`;
    case "scheduled":
      return `Disabled and scheduled for erasure on ${shownDate(outcome.purgeAfter)}; ${ended}.`;
    case "disabled":
      return `Disabled; ${ended}.`;
    case "sessions-ended":
      return `Signed out everywhere; ${counted(outcome.sessionsRevoked, "session")} ended.`;
  }
}

export function bulkResultPage(page: PageContext, act: BulkAct, results: readonly BulkResult[]): SafeHtml {
  const done = results.filter((result) => result.outcome.ok).length;
  return html`<p><a href="${page.base}/admin/users">← All users</a></p>
<h1>${actNames[act].title} ${counted(results.length, "user")}: ${done} done, ${results.length - done} refused</h1>
<div class="table-wrap"><table class="bulk-result">
<thead><tr><th scope="col">User</th><th scope="col">Outcome</th></tr></thead>
<tbody>${results.map(
    (result) => html`<tr class="${result.outcome.ok ? "done" : "refused"}">
<td>${result.email ?? html`<span class="hint">no such user</span>`}</td>
<td>${result.outcome.ok ? html`<strong>Done:</strong> ${doneText(result.outcome)}` : html`<strong>Refused:</strong> ${refusalSentence(result.outcome)}`}</td></tr>`,
  )}</tbody></table></div>`;
}
