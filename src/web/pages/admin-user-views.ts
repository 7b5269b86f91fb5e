import type { DeletionPlan } from "../../domain/deletion/deletion-plan.ts";
import type { SessionView } from "../../domain/sessions/session-lifecycle.ts";
import type { TokenView } from "../../domain/tokens/token-admin.ts";
import { isPrivileged, roles } from "../../domain/users/role.ts";
import { type UserRecord, userStatuses } from "../../domain/users/user.ts";
import { removalWords } from "../deletion-words.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { recoveryLinkSection } from "./recovery-views.ts";
import { formatTime, sessionTable } from "./session-table.ts";
import { tokenTable } from "./token-views.ts";

export interface UserFilters {
  readonly search?: string | undefined;
  readonly role?: string | undefined;
  readonly status?: string | undefined;
  readonly after?: string | undefined;
}

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;
}

function statusBadge(user: UserRecord): SafeHtml {
  if (user.purgeAfter !== null) return html`<span class="badge disabled">deletion pending</span>`;
  return html`<span class="badge ${user.status === "disabled" ? "disabled" : ""}">${user.status}</span>`;
}

export function usersPage(
  page: PageContext,
  filters: UserFilters,
  users: readonly UserRecord[],
  nextCursor: string | null,
): SafeHtml {
  const next = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, after: nextCursor ?? undefined })) {
    if (value !== undefined && value !== "") next.set(key, value);
  }
  return html`<h1>Users</h1>
<form class="card filters" method="get" action="${page.base}/admin/users" role="search">
  <div><label for="search">Search e-mail or name</label>
  <input id="search" name="search" type="search" value="${filters.search ?? ""}"></div>
  <div><label for="role">Role</label><select id="role" name="role">${option("", "Any role", filters.role)}
    ${roles.map((role) => option(role, role, filters.role))}</select></div>
  <div><label for="status">Status</label><select id="status" name="status">${option("", "Any status", filters.status)}
    ${userStatuses.map((status) => option(status, status, filters.status))}</select></div>
  <div><button type="submit">Filter</button></div>
</form>
${
  users.length === 0
    ? html`<p>No users match.</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">E-mail</th><th scope="col" class="optional">Name</th><th scope="col">Role</th>
<th scope="col">Status</th><th scope="col" class="optional">Created</th></tr></thead>
<tbody>${users.map(
        (user) => html`<tr><td><a href="${page.base}/admin/users/${user.id}">${user.email}</a></td>
<td class="optional">${user.name}</td><td>${user.role}</td><td>${statusBadge(user)}</td>
<td class="optional">${formatTime(new Date(user.createdAt).toISOString())}</td></tr>`,
      )}</tbody></table></div>`
}
${nextCursor === null ? "" : html`<p><a class="button secondary" href="${page.base}/admin/users?${next.toString()}">Next page</a></p>`}`;
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

export function userPage(
  page: PageContext,
  user: UserRecord,
  sessions: readonly SessionView[] | null,
  tokens: readonly TokenView[] | null,
): SafeHtml {
  const self = page.auth?.user.id === user.id;
  return html`<p><a href="${page.base}/admin/users">← All users</a></p>
<h1>${user.email}</h1>
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title">Profile</h2>
  <dl class="facts">
    <dt>Name</dt><dd>${user.name || "—"}</dd>
    <dt>Role</dt><dd>${user.role}</dd>
    <dt>Status</dt><dd>${statusBadge(user)}</dd>
    ${user.purgeAfter === null ? "" : html`<dt>Erased after</dt><dd>${formatTime(new Date(user.purgeAfter).toISOString())}</dd>`}
    <dt>Id</dt><dd class="mono">${user.id}</dd>
    <dt>Created</dt><dd>${formatTime(new Date(user.createdAt).toISOString())}</dd>
  </dl>
</section>
${
  self
    ? html`<p class="hint">This is your own account: manage it from <a href="${page.base}/account">My account</a>.</p>
${tokensSection(page, tokens, true)}`
    : html`<section class="card" aria-labelledby="access-title">
  <h2 id="access-title">Access</h2>
  <form method="post" action="${page.base}/admin/users/${user.id}/role">${csrfField(page)}
    <label for="role">Role</label>
    <select id="role" name="role">${roles.map((role) => option(role, role, user.role))}</select>
    <label for="role-password">Your password <span class="hint">(role changes need a recent sign-in)</span></label>
    <input id="role-password" name="password" type="password" autocomplete="current-password">
    <button type="submit">Change role</button>
  </form>
  ${
    user.purgeAfter !== null
      ? html`<form method="post" action="${page.base}/admin/users/${user.id}/restore">${csrfField(page)}
    ${
      isPrivileged(user.role)
        ? html`<label for="restore-password">Your password <span class="hint">(restoring an administrator needs a recent sign-in)</span></label>
    <input id="restore-password" name="password" type="password" autocomplete="current-password">`
        : ""
    }
    <button type="submit">Restore this account</button></form>`
      : html`<form method="post" action="${page.base}/admin/users/${user.id}/status">${csrfField(page)}
    <input type="hidden" name="status" value="${user.status === "active" ? "disabled" : "active"}">
    ${
      isPrivileged(user.role)
        ? html`<label for="status-password">Your password <span class="hint">(disabling or enabling an administrator needs a recent sign-in)</span></label>
    <input id="status-password" name="password" type="password" autocomplete="current-password">`
        : ""
    }
    <button type="submit" class="${user.status === "active" ? "danger" : ""}">${user.status === "active" ? "Disable (ends every session)" : "Enable"}</button></form>`
  }
</section>
<section class="card" aria-labelledby="sessions-title">
  <h2 id="sessions-title">Sessions</h2>
  ${sessions === null ? html`<p>You cannot see this user's sessions.</p>` : sessionTable(sessions, () => "")}
  <form method="post" action="${page.base}/admin/users/${user.id}/sessions/revoke">${csrfField(page)}
    <button type="submit" class="secondary">End every session</button></form>
</section>
${tokensSection(page, tokens, false)}
${recoveryLinkSection(page, user)}
<section class="card" aria-labelledby="delete-title">
  <h2 id="delete-title">Delete</h2>
  <a class="button danger" href="${page.base}/admin/users/${user.id}/delete">Delete this user…</a>
</section>`
}`;
}

export function deletePage(page: PageContext, user: UserRecord, plan: DeletionPlan): SafeHtml {
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
  <textarea id="reason" name="reason" maxlength="500"></textarea>
  <label for="password">Your password <span class="hint">(deletion needs a recent sign-in)</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit" class="danger">Delete this user</button>
  <a href="${page.base}/admin/users/${user.id}">Cancel</a></div>
</form>`;
}
