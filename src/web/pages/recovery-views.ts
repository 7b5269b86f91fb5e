import type { UserRecord } from "../../domain/users/user.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { formatTime } from "./session-table.ts";

/**
 * The recovery page's form (docs/recovery.md): the new password twice. It posts back to its own URL, so the
 * link travels in the path only; the page loads nothing from elsewhere and sends no referrer.
 */
export function recoverForm(page: PageContext, link: string): SafeHtml {
  return html`<h1>Choose a new password</h1>
<form class="card" method="post" action="${page.base}/recover/${encodeURIComponent(link)}">
  ${csrfField(page)}
  <p class="hint">Every session of your account ends when the new password is set; then you sign in with it.</p>
  <label for="password">New password</label>
  <p class="hint" id="password-hint">At least 8 characters; a long passphrase is best. Any characters are allowed.</p>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"
    aria-describedby="password-hint" autofocus>
  <label for="confirm">The same password again</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8">
  <button type="submit">Set the new password</button>
</form>`;
}

export function recoveredPage(page: PageContext, sessionsRevoked: number): SafeHtml {
  return html`<h1>Your password is set</h1>
<div class="card">
  <p>Every session of your account has ended (${sessionsRevoked}), on every device. The recovery link is used up.</p>
  <p><a class="button" href="${page.base}/login">Sign in</a></p>
</div>`;
}

/** The admin's card on a user's page: the act behind the step-up prompt. */
export function recoveryLinkSection(page: PageContext, user: UserRecord): SafeHtml | string {
  if (user.status !== "active" || user.purgeAfter !== null) return "";
  return html`<section class="card" aria-labelledby="recovery-title">
  <h2 id="recovery-title">Account recovery</h2>
  <p class="hint">A single-use link, valid 30 minutes, with which the owner sets a new password; it replaces any
  earlier link and ends every session when used. Hand it over only by a channel you know is theirs.</p>
  <form method="post" action="${page.base}/admin/users/${user.id}/recovery-link">${csrfField(page)}
    <label for="recovery-password">Your password <span class="hint">(a recovery link needs a recent sign-in)</span></label>
    <input id="recovery-password" name="password" type="password" autocomplete="current-password">
    <button type="submit">Create recovery link</button>
  </form>
</section>`;
}

/** The link, shown this once as the POST's own answer (never through a redirect or a stored notice). */
export function createdRecoveryLinkPage(page: PageContext, user: UserRecord, url: string, expiresAt: number): SafeHtml {
  return html`<p><a href="${page.base}/admin/users/${user.id}">← Back to ${user.email}</a></p>
<h1>Recovery link for ${user.email}</h1>
<div class="card">
  <p>Shown only this once; valid until ${formatTime(new Date(expiresAt).toISOString())}. Give it to the account's
  owner only, by a channel you know is theirs.</p>
  <p><input class="mono" type="text" readonly value="${url}" aria-label="Recovery link" size="80"></p>
</div>`;
}
