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
  /** The page's own path without PUBLIC_URL's path ("/admin/users"): which navigation link is the current page. */
  readonly path?: string;
}

export interface PageOptions {
  readonly title: string;
  readonly narrow?: boolean;
  /** A page of wide tables (the audit log): more of a desktop's width. */
  readonly wide?: boolean;
  readonly alert?: SafeHtml | null;
}

/** Notices shown after an action (Post/Redirect/Get): keys in the URL, fixed texts here, nothing reflected. */
export const notices = {
  "signed-in": "You are signed in.",
  "signed-up": "Welcome! Your account is ready.",
  "signed-out": "You are signed out.",
  "session-ended":
    "Your session has ended: it expired, or it was signed out from another device, by a password change or by an administrator. Sign in again to go on.",
  "profile-saved": "Your profile is saved.",
  "password-changed": "Your password is changed. Every other device was signed out.",
  "session-revoked": "That device is signed out.",
  "others-revoked": "Every other device is signed out.",
  "account-deleted": "Your account is deleted. Every device it was signed in on is signed out.",
  "account-scheduled":
    "Your account is disabled and scheduled for erasure; every device is signed out. An admin can restore it until the grace period ends.",
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

interface NavLink {
  readonly href: string;
  readonly label: string;
}

function navLinks(signedIn: boolean, isAdmin: boolean): readonly NavLink[] {
  if (!signedIn) {
    return [
      { href: "/login", label: "Sign in" },
      { href: "/signup", label: "Sign up" },
    ];
  }
  const own = [{ href: "/account", label: "My account" }];
  if (!isAdmin) return own;
  return [
    ...own,
    { href: "/admin/users", label: "Users" },
    { href: "/admin/audit", label: "Audit log" },
    { href: "/admin/tokens", label: "API tokens" },
    { href: "/admin/webhooks", label: "Webhooks" },
  ];
}

/** A section's pages (/admin/users/<id>, /account/delete) mark their section's link too. */
function isCurrent(link: NavLink, path: string | undefined): boolean {
  if (path === undefined) return false;
  return path === link.href || path.startsWith(`${link.href}/`);
}

function nav(page: PageContext, links: readonly NavLink[]): SafeHtml {
  return html`${links.map(
    (link) =>
      html`<a href="${page.base}${link.href}"${isCurrent(link, page.path) ? html` aria-current="page"` : ""}>${link.label}</a>`,
  )}`;
}

/**
 * The header is one row on a phone: the links fold into a "Menu" disclosure (no script: a <details>), and on
 * a wider screen they stand in a row. Only one of the two is displayed at a time (gatehouse.css).
 */
export function layout(page: PageContext, options: PageOptions, content: SafeHtml): string {
  const user = page.auth?.user ?? null;
  const isAdmin = user !== null && roleRank(user.role) >= roleRank("admin");
  const base = page.base;
  const links = navLinks(user !== null, isAdmin);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title} · Gatehouse</title>
<link rel="icon" href="${base}/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="${base}/assets/gatehouse.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="${base}${user === null ? "/login" : "/account"}">Gatehouse</a>
  <nav class="wide" aria-label="Main">${nav(page, links)}</nav>
  <details class="menu"><summary>Menu</summary><nav aria-label="Main">${nav(page, links)}${
    user === null ? "" : html`<span class="who">${user.email}</span>`
  }</nav></details>
  ${
    user === null
      ? ""
      : html`<form method="post" action="${base}/logout">${csrfField(page)}<span class="who">${user.email}</span>
    <button type="submit" class="inline">Sign out</button></form>`
  }
</header>
<main id="main" class="${options.narrow === true ? "narrow" : options.wide === true ? "wide" : ""}">
${page.notice === null ? "" : html`<p class="notice" role="status">${page.notice}</p>`}
${options.alert ?? ""}
${content}
</main>
</body>
</html>`.value;
}

const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "" && word !== "the" && word !== "a" && word !== "an");

/** A detail that says every word of the title again ("The current password is incorrect.") replaces it. */
export function restates(title: string, detail: string): boolean {
  const said = new Set(wordsOf(detail));
  return wordsOf(title).every((word) => said.has(word));
}

/**
 * A refusal shown on a page, each thing said once: the title, then the detail, unless the detail restates
 * the title more exactly (then the detail alone). The problem code is shown where it helps support (admin
 * pages), never to the public (`showCode` false).
 */
export function alertBox(title: string, code: string, detail?: string | null, showCode = true): SafeHtml {
  const message = !detail
    ? html`<strong>${title}</strong>`
    : restates(title, detail)
      ? html`<strong>${detail}</strong>`
      : html`<strong>${title}</strong> ${detail}`;
  // data-code: the code for tests and scripts on every page, shown as text only where it helps a reader.
  return html`<div class="alert" role="alert" data-code="${code}">${message}${
    showCode ? html`<br><small>Code: <code>${code}</code></small>` : ""
  }</div>`;
}

/** Admin pages show problem codes (support asks for them); public and account pages do not. */
export function showsProblemCodes(page: PageContext): boolean {
  return page.path !== undefined && (page.path === "/admin" || page.path.startsWith("/admin/"));
}
