import type { FastifyReply, FastifyRequest } from "fastify";
import type { Authenticated } from "../domain/actor.ts";
import { errorCodes, type Refusal } from "../domain/errors.ts";
import { csrfTokenFor } from "../http/csrf-token.ts";
import { returnUrl } from "../http/return-url.ts";
import type { RouteContext } from "../http/route-context.ts";
import type { SafeHtml } from "./html.ts";
import {
  alertBox,
  layout,
  type NoticeKey,
  noticeText,
  type PageContext,
  type PageOptions,
  showsProblemCodes,
} from "./layout.ts";

export function pageContext(request: FastifyRequest, context: Pick<RouteContext, "csrfKey" | "basePath">): PageContext {
  const notice = (request.query as { notice?: string } | undefined)?.notice;
  return {
    base: context.basePath,
    auth: request.auth,
    csrfToken: request.auth === null ? null : csrfTokenFor(context.csrfKey, request.auth.session.id),
    notice: noticeText(notice),
    path: pagePath(request.url, context.basePath),
  };
}

/** The request's path without PUBLIC_URL's path or the query: what the navigation marks as current. */
function pagePath(url: string, basePath: string): string {
  const path = url.split("?")[0] ?? "";
  return basePath !== "" && path.startsWith(basePath) ? path.slice(basePath.length) || "/" : path;
}

/** The page after a sign-in: its own session's token, not the one the request arrived with. */
export function pageContextFor(auth: Authenticated, context: RouteContext): PageContext {
  return { base: context.basePath, auth, csrfToken: csrfTokenFor(context.csrfKey, auth.session.id), notice: null };
}

export function sendPage(
  reply: FastifyReply,
  page: PageContext,
  options: PageOptions,
  content: SafeHtml,
  status = 200,
) {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .send(layout(page, options, content));
}

/**
 * Post/Redirect/Get: a 303 to a page that shows a fixed notice (in its query, before any fragment). The
 * path is Gatehouse's own (`/account`): PUBLIC_URL's path is put before it.
 */
export function redirectWithNotice(
  reply: FastifyReply,
  context: Pick<RouteContext, "basePath">,
  path: string,
  notice: NoticeKey,
) {
  return redirectTo(reply, `${context.basePath}${path}`, notice);
}

function redirectTo(reply: FastifyReply, path: string, notice: NoticeKey) {
  const hash = path.indexOf("#");
  const [target, fragment] = hash === -1 ? [path, ""] : [path.slice(0, hash), path.slice(hash)];
  return reply.redirect(`${target}${target.includes("?") ? "&" : "?"}notice=${notice}${fragment}`, 303);
}

/**
 * A page of forms, shown again when one of its acts was refused: the refusal as the page's alert, and the
 * status the API gives the same refusal. Without a refusal, the page as first shown.
 */
export function sendFormPage(
  reply: FastifyReply,
  page: PageContext,
  options: PageOptions,
  content: SafeHtml,
  refusal: Refusal | null,
) {
  if (refusal === null) return sendPage(reply, page, options, content);
  return sendPage(reply, page, { ...options, alert: refusalAlert(page, refusal) }, content, statusOf(refusal));
}

export function refusalAlert(page: PageContext, refusal: Refusal): SafeHtml {
  return alertBox(errorCodes[refusal.code].title, refusal.code, refusal.detail, showsProblemCodes(page));
}

function statusOf(refusal: Refusal): number {
  return errorCodes[refusal.code].status;
}

/**
 * Where a sign-in goes: the requested return URL if http/return-url.ts accepts it, else the account page.
 * Only a path under Gatehouse's own gets the "signed in" notice: an app's URL is returned to as it was.
 */
export function redirectAfterSignIn(reply: FastifyReply, context: RouteContext, next: unknown) {
  const target = returnUrl(next, context.publicUrl, context.allowedHosts);
  if (target === null) return redirectWithNotice(reply, context, "/account", "signed-in");
  const ours = target.startsWith("/") && (context.basePath === "" || target.startsWith(`${context.basePath}/`));
  return ours ? redirectTo(reply, target, "signed-in") : reply.redirect(target, 303);
}

/** The return URL a sign-in form carries on: the requested one (`next`, or `rd` as other gateways name it) if accepted. */
export function returnUrlOf(values: { next?: string | undefined; rd?: string | undefined }, context: RouteContext) {
  return returnUrl(values.next ?? values.rd, context.publicUrl, context.allowedHosts);
}
