import type { Authenticated } from "../domain/actor.ts";
import { roleRank } from "../domain/users/role.ts";
import { html, type SafeHtml } from "./html.ts";

/** What every page knows about the request it answers. */
export interface PageContext {
  /** PUBLIC_URL's path ("" at the root): the start of every link and form action on the page. */
  readonly base: string;
  readonly auth: Authenticated | null;
  /** The session's anti-forgery token, for every form's hidden `_csrf` field. */
  readonly csrfToken: string | null;
  readonly notice: string | null;
}

export interface PageOptions {
  readonly title: string;
  readonly narrow?: boolean;
  readonly alert?: SafeHtml | null;
}

/** Notices shown after an action (Post/Redirect/Get): keys in the URL, fixed texts here, nothing reflected. */
export const notices = {
  "signed-in": "You are signed in.",
  "signed-up": "Welcome! Your account is ready.",
  "signed-out": "You are signed out.",
  "profile-saved": "Your profile is saved.",
  "password-changed": "Your password is changed. Every other device was signed out.",
  "session-revoked": "That device is signed out.",
  "others-revoked": "Every other device is signed out.",
  "account-deleted": "Your account is deleted. Every device it was signed in on is signed out.",
  "user-created": "The user is created.",
  "user-updated": "The user is updated. Their sessions were ended where their access changed.",
  "user-sessions-revoked": "Every session of this user is ended.",
  "user-deleted": "The user is deleted. Every one of their sessions was ended first.",
  "user-scheduled": "The user is disabled and scheduled for erasure. Every one of their sessions was ended.",
  "user-restored": "The user is restored.",
  "token-revoked": "The API token is revoked: its next request is refused.",
  "webhook-updated": "The webhook endpoint is saved.",
  "webhook-disabled": "The webhook endpoint is disabled: nothing is sent to it until it is enabled again.",
  "webhook-enabled": "The webhook endpoint is enabled: it resumes where it stopped.",
  "webhook-deleted": "The webhook endpoint is deleted, with its delivery log; its pending deliveries were dropped.",
  "webhook-redelivered": "The delivery is sent again now, on a fresh retry schedule.",
} as const;
export type NoticeKey = keyof typeof notices;

/**
 * A Map, not `key in notices`: the URL names the key, and `in` also finds Object.prototype's members
 * (`?notice=toString` rendered a function's source as the notice).
 */
const noticeTexts: ReadonlyMap<string, string> = new Map(Object.entries(notices));

export function noticeText(key: string | undefined): string | null {
  return key === undefined ? null : (noticeTexts.get(key) ?? null);
}

export function csrfField(page: PageContext): SafeHtml {
  return html`${page.csrfToken === null ? "" : html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`}`;
}

export function layout(page: PageContext, options: PageOptions, content: SafeHtml): string {
  const user = page.auth?.user ?? null;
  const isAdmin = user !== null && roleRank(user.role) >= roleRank("admin");
  const base = page.base;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Gatehouse</title>
<link rel="icon" href="${base}/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="${base}/assets/gatehouse.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="${base}${user === null ? "/login" : "/account"}">Gatehouse</a>
  <nav aria-label="Main">
    ${user === null ? html`<a href="${base}/login">Sign in</a><a href="${base}/signup">Sign up</a>` : html`<a href="${base}/account">My account</a>`}
    ${isAdmin ? html`<a href="${base}/admin/users">Users</a><a href="${base}/admin/audit">Audit log</a><a href="${base}/admin/tokens">API tokens</a><a href="${base}/admin/webhooks">Webhooks</a>` : ""}
  </nav>
  ${
    user === null
      ? ""
      : html`<form method="post" action="${base}/logout">${csrfField(page)}<span>${user.email}</span>
    <button type="submit" class="inline">Sign out</button></form>`
  }
</header>
<main id="main" class="${options.narrow === true ? "narrow" : ""}">
${page.notice === null ? "" : html`<p class="notice" role="status">${page.notice}</p>`}
${options.alert ?? ""}
${content}
</main>
</body>
</html>`.value;
}

/** A refusal shown on a page, keeping the problem code visible for support and for tests. */
export function alertBox(title: string, code: string, detail?: string | null): SafeHtml {
  return html`<div class="alert" role="alert"><strong>${title}</strong>${detail ? html` ${detail}` : ""}
  <br><small>Code: <code>${code}</code></small></div>`;
}
