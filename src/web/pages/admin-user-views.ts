import type { UserControls } from "../../domain/admin/user-controls.ts";
import type { DeletionPlan } from "../../domain/deletion/deletion-plan.ts";
import { errorCodes, type Refusal } from "../../domain/errors.ts";
import type { SessionView } from "../../domain/sessions/session-lifecycle.ts";
import type { TokenView } from "../../domain/tokens/token-admin.ts";
import { isPrivileged } from "../../domain/users/role.ts";
import type { UserRecord, UserStatus } from "../../domain/users/user.ts";
import { removalWords } from "../deletion-words.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { shownTime, statusBadge } from "./admin-user-list-views.ts";
import { counted } from "./admin-user-notices.ts";
import { recoveryLinkSection } from "./recovery-views.ts";
import { formatTime, sessionTable } from "./session-table.ts";
import { tokenTable } from "./token-views.ts";

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;
}

/** A user's API tokens, for a viewer who may see them (the user, or one ranked above); else nothing. */
function tokensSection(page: PageContext, tokens: readonly TokenView[] | null, self: boolean): SafeHtml | string {
  if (tokens === null) return "";
  return html`<section class="card" aria-labelledby="tokens-title">
  <h2 id="tokens-title">API tokens</h2>
  ${tokenTable(page, tokens)}
  ${self ? html`<p class="hint">Create tokens on <a href="${page.base}/admin/tokens">your API tokens page</a>.</p>` : ""}
</section>`;
}

/** Why nothing is offered: the first rule that refuses this viewer, in words. */
function noControlsHint(controls: UserControls): SafeHtml | string {
  const refusal = [controls.disable, controls.enable, controls.endSessions, controls.delete, controls.restore].find(
    (control): control is Refusal => control !== null && control !== "n/a",
  );
  if (refusal === undefined) return "";
  return html`<p class="hint">You cannot change this account: ${refusal.detail ?? errorCodes[refusal.code].title}</p>`;
}

function accessSection(page: PageContext, user: UserRecord, controls: UserControls): SafeHtml | string {
  const forms: (SafeHtml | string)[] = [];
  if (controls.roles.length > 0) {
    forms.push(html`<form method="post" action="${page.base}/admin/users/${user.id}/role">${csrfField(page)}
    <label for="role">Role <span class="hint">(only roles you may grant)</span></label>
    <select id="role" name="role">${controls.roles.map((role) => option(role, role, user.role))}</select>
    <label for="role-password">Your password <span class="hint">(role changes need a recent sign-in)</span></label>
    <input id="role-password" name="password" type="password" autocomplete="current-password">
    <button type="submit">Change role</button>
  </form>`);
  }
  if (controls.restore === null) {
    forms.push(html`<form method="post" action="${page.base}/admin/users/${user.id}/restore">${csrfField(page)}
    ${
      isPrivileged(user.role)
        ? html`<label for="restore-password">Your password <span class="hint">(restoring an administrator needs a recent sign-in)</span></label>
    <input id="restore-password" name="password" type="password" autocomplete="current-password">`
        : ""
    }
    <button type="submit">Restore this account</button></form>`);
  }
  if (controls.disable === null) {
    forms.push(
      html`<p><a class="button danger" href="${page.base}/admin/users/${user.id}/status?to=disabled">Disable…</a></p>`,
    );
  }
  if (controls.enable === null) {
    forms.push(html`<p><a class="button" href="${page.base}/admin/users/${user.id}/status?to=active">Enable…</a></p>`);
  }
  if (forms.length === 0) return "";
  return html`<section class="card" aria-labelledby="access-title">
  <h2 id="access-title">Access</h2>
  ${forms}
</section>`;
}

export function userPage(
  page: PageContext,
  user: UserRecord,
  lastLoginAt: number | null,
  controls: UserControls,
  sessions: readonly SessionView[] | null,
  tokens: readonly TokenView[] | null,
): SafeHtml {
  const self = page.auth?.user.id === user.id;
  const endSessions = controls.endSessions === null;
  const endOne = (session: SessionView) =>
    endSessions
      ? html`<form method="post" action="${page.base}/admin/users/${user.id}/sessions/${session.id}/revoke">${csrfField(page)}
    <button type="submit" class="secondary inline">End</button></form>`
      : "";
  return html`<p><a href="${page.base}/admin/users">← All users</a></p>
<h1>${user.email}</h1>
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title">Profile</h2>
  <dl class="facts">
    <dt>Name</dt><dd>${user.name || "—"}</dd>
    <dt>Role</dt><dd>${user.role}</dd>
    <dt>Status</dt><dd>${statusBadge(user)}</dd>
    ${user.purgeAfter === null ? "" : html`<dt>Erased after</dt><dd>${shownTime(user.purgeAfter)}</dd>`}
    <dt>Created</dt><dd>${shownTime(user.createdAt)}</dd>
    <dt>Last sign-in</dt><dd>${shownTime(lastLoginAt)}</dd>
    <dt>Id</dt><dd class="mono">${user.id}</dd>
  </dl>
</section>
${
  self
    ? html`<p class="hint">This is your own account: manage it from <a href="${page.base}/account">My account</a>.</p>
${tokensSection(page, tokens, true)}`
    : html`${noControlsHint(controls)}
${accessSection(page, user, controls)}
<section class="card" aria-labelledby="sessions-title">
  <h2 id="sessions-title">Sessions</h2>
  ${sessions === null ? html`<p>You cannot see this user's sessions.</p>` : sessionTable(sessions, endOne)}
  ${
    endSessions && sessions !== null && sessions.length > 0
      ? html`<form method="post" action="${page.base}/admin/users/${user.id}/sessions/revoke">${csrfField(page)}
    <button type="submit" class="secondary">End every session</button></form>`
      : ""
  }
</section>
${tokensSection(page, tokens, false)}
${endSessions ? recoveryLinkSection(page, user) : ""}
${
  controls.delete === null
    ? html`<section class="card" aria-labelledby="delete-title">
  <h2 id="delete-title">Delete</h2>
  <a class="button danger" href="${page.base}/admin/users/${user.id}/delete">Delete this user…</a>
</section>`
    : ""
}`
}`;
}

/** What the admin typed on the disable / enable confirmation, kept when the step-up prompt comes back. */
export interface StatusFormValues {
  readonly reason: string;
}

/** The confirmation before disabling or enabling: what happens, a reason for the audit log, the step-up. */
export function statusPage(
  page: PageContext,
  user: UserRecord,
  to: UserStatus,
  counts: { sessions: number; tokens: number },
  values: StatusFormValues,
): SafeHtml {
  const disabling = to === "disabled";
  return html`<p><a href="${page.base}/admin/users/${user.id}">← Back to ${user.email}</a></p>
<h1>${disabling ? "Disable" : "Enable"} ${user.email}?</h1>
<section class="card" aria-labelledby="what-title">
  <h2 id="what-title">What happens</h2>
  <ul>${
    disabling
      ? html`<li>Sign-in is refused until an admin enables the account again.</li>
    <li>${counted(counts.sessions, "session")} and ${counted(counts.tokens, "API token")} end at once; a recovery link dies too.</li>`
      : html`<li>The account can sign in again; its ended sessions and tokens stay ended.</li>`
  }</ul>
</section>
<form class="card" method="post" action="${page.base}/admin/users/${user.id}/status">${csrfField(page)}
  <input type="hidden" name="status" value="${to}">
  <label for="reason">Reason <span class="hint">(recorded in the audit log)</span></label>
  <textarea id="reason" name="reason" maxlength="500">${values.reason}</textarea>
  ${
    isPrivileged(user.role)
      ? html`<label for="status-password">Your password <span class="hint">(${disabling ? "disabling" : "enabling"} an administrator needs a recent sign-in)</span></label>
  <input id="status-password" name="password" type="password" autocomplete="current-password">`
      : ""
  }
  <div class="actions"><button type="submit" class="${disabling ? "danger" : ""}">${disabling ? "Disable" : "Enable"} ${user.email}</button>
  <a href="${page.base}/admin/users/${user.id}">Cancel</a></div>
</form>`;
}

export function deletePage(page: PageContext, user: UserRecord, plan: DeletionPlan, reason = ""): SafeHtml {
  return html`<p><a href="${page.base}/admin/users/${user.id}">← Back to ${user.email}</a></p>
<h1>Delete ${user.email}?</h1>
<section class="card" aria-labelledby="plan-title">
  <h2 id="plan-title">What happens</h2>
  <ul>
    <li>${plan.sessionsToRevoke === null ? "Every session" : `${plan.sessionsToRevoke} session(s)`} end at once.</li>
    <li>${plan.tokensToRevoke === null ? "Every API token" : `${plan.tokensToRevoke} API token(s)`} revoked at once.</li>
    ${plan.removes
      .filter((removal) => removal.what !== "sessions" && removal.what !== "api-tokens")
      .map((removal) => html`<li>Removes ${removalWords(removal, plan)}.</li>`)}
    ${plan.mode === "schedule" && plan.purgeAfter !== null ? html`<li>Restorable by an admin until ${formatTime(plan.purgeAfter)}; then erased for good.</li>` : html`<li>This cannot be undone.</li>`}
  </ul>
  ${
    plan.blockers.length === 0
      ? ""
      : html`<div class="alert" role="alert"><strong>Deletion is blocked:</strong><ul>
    ${plan.blockers.map((b) => html`<li>${b.title}${b.detail ? html` ${b.detail}` : ""} <code>${b.code}</code></li>`)}</ul></div>`
  }
</section>
<form class="card" method="post" action="${page.base}/admin/users/${user.id}/delete">
  ${csrfField(page)}
  <label for="reason">Reason <span class="hint">(recorded in the audit log)</span></label>
  <textarea id="reason" name="reason" maxlength="500">${reason}</textarea>
  <label for="password">Your password <span class="hint">(deletion needs a recent sign-in)</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit" class="danger">Delete this user</button>
  <a href="${page.base}/admin/users/${user.id}">Cancel</a></div>
</form>`;
}
