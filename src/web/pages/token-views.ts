import { type TokenScope, tokenLifetimeDays, tokenNameMaxLength } from "../../domain/tokens/api-token.ts";
import type { TokenView } from "../../domain/tokens/token-admin.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { formatTime } from "./session-table.ts";

/**
 * @module
 * The markup of the API-token pages: a token list (own page and a user's page), the creation form, the
 * page that shows a new secret once, and the revocation prompt. A token's name is its creator's text: it
 * only ever enters a page through `html` (escaped), and the use case refused control and format characters.
 */

/** What each scope lets a token attempt, in words (docs/tokens.md has the full table). */
const scopeSummaries: Readonly<Record<TokenScope, string>> = {
  "users:read": "list and read users and their sessions",
  "users:write": "create, update, delete and restore users, end their sessions",
  "sessions:introspect": "ask whether a session token is live (POST /api/sessions/introspect)",
  scim: "provision users through SCIM 2.0 (/scim/v2 only)",
  "audit:read": "read and verify the audit log",
  "events:read": "read the events feed of what happened to users (GET /api/events)",
};

/** The creation form's fields as last sent, shown again when the creation was refused (never the password). */
export interface TokenFormValues {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresInDays: string;
}

export const emptyTokenForm: TokenFormValues = { name: "", scopes: [], expiresInDays: "" };

const tokenPath = (page: PageContext, token: TokenView) => `${page.base}/admin/tokens/${encodeURIComponent(token.id)}`;

/** A table of tokens, each with a link to its revocation prompt. */
export function tokenTable(page: PageContext, tokens: readonly TokenView[]): SafeHtml {
  if (tokens.length === 0) return html`<p>No API tokens.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col" class="optional">Created</th>
<th scope="col">Expires</th><th scope="col" class="optional">Last used</th><th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>
${tokens.map(
  (token) => html`<tr>
  <td>${token.name} ${token.expired ? html`<span class="badge disabled">expired</span>` : ""}</td>
  <td class="mono">${token.scopes.join(" ")}</td>
  <td class="optional"><time datetime="${token.createdAt}">${formatTime(token.createdAt)}</time></td>
  <td><time datetime="${token.expiresAt}">${formatTime(token.expiresAt)}</time></td>
  <td class="optional">${token.lastUsedAt === null ? "never" : html`<time datetime="${token.lastUsedAt}">${formatTime(token.lastUsedAt)}</time>`}</td>
  <td><a class="button secondary" href="${tokenPath(page, token)}/revoke">Revoke…</a></td>
</tr>`,
)}
</tbody></table></div>`;
}

/** The signed-in admin's own tokens and the form that creates one, with only the scopes the viewer's role holds. */
export function tokensPage(
  page: PageContext,
  tokens: readonly TokenView[],
  heldScopes: readonly TokenScope[],
  values: TokenFormValues,
): SafeHtml {
  return html`<h1>API tokens</h1>
<p class="hint">A token lets a service call the API as you, with the scopes you give it and never more than your
role allows at the time of each request. It dies with your account, and when it is revoked.</p>
<section class="card" aria-labelledby="tokens-title">
  <h2 id="tokens-title">Your tokens</h2>
  ${tokenTable(page, tokens)}
</section>
<form class="card" method="post" action="${page.base}/admin/tokens" aria-labelledby="create-title">
  <h2 id="create-title">Create a token</h2>
  ${csrfField(page)}
  <label for="token-name">Name <span class="hint">(what the service is, up to ${tokenNameMaxLength} characters)</span></label>
  <input id="token-name" name="name" type="text" required maxlength="${tokenNameMaxLength}" value="${values.name}" autocomplete="off">
  <fieldset class="scopes"><legend>Scopes</legend>
  ${
    heldScopes.length === 0
      ? html`<p class="hint">Your role holds no scope a token could be given.</p>`
      : heldScopes.map(
          (
            scope,
          ) => html`<label><input type="checkbox" name="scopes" value="${scope}"${values.scopes.includes(scope) ? html` checked` : ""}>
    <span><code>${scope}</code> <span class="hint">${scopeSummaries[scope]}</span></span></label>`,
        )
  }
  </fieldset>
  <label for="token-days">Expires in (days) <span class="hint">(${tokenLifetimeDays.default} if left empty, at most ${tokenLifetimeDays.max})</span></label>
  <input id="token-days" name="expiresInDays" type="number" min="1" max="${tokenLifetimeDays.max}" step="1" placeholder="${tokenLifetimeDays.default}" value="${values.expiresInDays}">
  <label for="token-password">Your password <span class="hint">(creating a token needs a recent sign-in)</span></label>
  <input id="token-password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit">Create token</button></div>
</form>`;
}

/** The one page that ever shows the secret: the answer to the creating POST itself, never a redirect's target. */
export function createdTokenPage(page: PageContext, secret: string, token: TokenView): SafeHtml {
  return html`<h1>API token created</h1>
<section class="card" aria-labelledby="secret-title">
  <h2 id="secret-title">Copy it now</h2>
  <p><strong>This is the only time the token is shown.</strong> Gatehouse keeps only a hash of it: if it is
  lost, revoke it and create another.</p>
  <code class="mono secret" id="token-secret">${secret}</code>
  <dl class="facts">
    <dt>Name</dt><dd>${token.name}</dd>
    <dt>Id</dt><dd class="mono">${token.id}</dd>
    <dt>Scopes</dt><dd class="mono">${token.scopes.join(" ")}</dd>
    <dt>Expires</dt><dd><time datetime="${token.expiresAt}">${formatTime(token.expiresAt)}</time></dd>
  </dl>
  <p class="hint">Send it as <code>Authorization: Bearer &lt;token&gt;</code>, never with the session cookie.</p>
</section>
<p><a class="button" href="${page.base}/admin/tokens">Back to your tokens</a></p>`;
}

/** Where a token's pages lead back to: the viewer's own token page, or its owner's user page. */
export function tokenOwnerPath(page: PageContext, token: TokenView): string {
  return page.auth?.user.id === token.ownerId
    ? `${page.base}/admin/tokens`
    : `${page.base}/admin/users/${encodeURIComponent(token.ownerId)}`;
}

/** GET shows this and changes nothing; only its form's POST revokes. */
export function revokeTokenPage(page: PageContext, token: TokenView): SafeHtml {
  const back = tokenOwnerPath(page, token);
  return html`<p><a href="${back}">← Back</a></p>
<h1>Revoke the token “${token.name}”?</h1>
<form class="card" method="post" action="${tokenPath(page, token)}/revoke">
  ${csrfField(page)}
  <dl class="facts">
    <dt>Id</dt><dd class="mono">${token.id}</dd>
    <dt>Owner</dt><dd class="mono">${token.ownerId}</dd>
    <dt>Scopes</dt><dd class="mono">${token.scopes.join(" ")}</dd>
    <dt>Last used</dt><dd>${token.lastUsedAt === null ? "never" : formatTime(token.lastUsedAt)}</dd>
  </dl>
  <p>Its very next request is refused. This cannot be undone.</p>
  <div class="actions"><button type="submit" class="danger">Revoke the token</button>
  <a href="${back}">Cancel</a></div>
</form>`;
}
