/**
 * @module
 * Error pages for people: the same status and problem code the API would give, in words, with a way on.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, errorCodes } from "../domain/errors.ts";
import { presentedSessionId } from "../domain/sessions/session-lifecycle.ts";
import { problemFor } from "../http/problem-for.ts";
import { returnUrl } from "../http/return-url.ts";
import type { RouteContext } from "../http/route-context.ts";
import { html } from "./html.ts";
import { alertBox, restates, showsProblemCodes } from "./layout.ts";
import { pageContext, sendPage } from "./page-support.ts";

/** What an error page needs of the app: the session's token key for its sign-out form, and the origin. */
export type ErrorPageContext = Pick<RouteContext, "csrfKey" | "publicUrl" | "basePath" | "allowedHosts"> &
  Partial<Pick<RouteContext, "cookie">>;

/** A session cookie that names a session which no longer answers: it expired, or was ended. */
function endedSession(request: FastifyRequest, context: ErrorPageContext): boolean {
  if (context.cookie === undefined) return false;
  return presentedSessionId(request.cookies[context.cookie.name]) !== null;
}

const friendly: Partial<Record<number, string>> = {
  400: "That request was not valid.",
  403: "You are not allowed to do that.",
  404: "There is nothing here.",
  405: "That page cannot be used that way.",
  409: "That cannot be done right now.",
  429: "Too many attempts.",
  500: "Something went wrong.",
};

export function sendErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  context: ErrorPageContext,
  code: ErrorCode,
  detail?: string,
) {
  const { status, title } = errorCodes[code];
  const page = pageContext(request, context);
  // Said once: the heading is the refusal (its detail when that says the title more exactly); the alert
  // below adds only what the heading does not say, and the code where codes are shown.
  const restated = detail !== undefined && detail !== "" && restates(title, detail);
  const heading = restated ? detail : title;
  const more = restated || detail === undefined || detail === "" ? null : detail;
  const showCode = showsProblemCodes(page);
  const content = html`<h1>${heading}</h1>
${
  more !== null
    ? alertBox(more, code, null, showCode)
    : showCode
      ? html`<p class="hint" data-code="${code}">Code: <code>${code}</code></p>`
      : html`<div hidden data-code="${code}"></div>`
}
<p><a href="${page.base}${page.auth === null ? "/login" : "/account"}">Go to ${page.auth === null ? "sign in" : "your account"}</a></p>`;
  return sendPage(
    reply,
    { ...page, notice: null },
    { title: friendly[status] ?? title, narrow: true },
    content,
    status,
  );
}

/**
 * The pages' error handler, over the same problemFor() as the API's. A page that needs a session sends a
 * signed-out visitor to the sign-in page; every other refusal is an error page with its code.
 */
export function errorPageHandler(context: ErrorPageContext) {
  return function renderErrorPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const problem = problemFor(error, request);
    if (problem.code === "UNAUTHENTICATED") {
      // Only a page that was read (GET) is worth returning to, and only by a path the sign-in would follow.
      const back = request.method === "GET" ? returnUrl(request.url, context.publicUrl, context.allowedHosts) : null;
      const login = `${context.basePath}/login`;
      // A device whose session expired or was ended is told so on the sign-in page (issue 16.4); a visitor
      // who never had one gets the plain page. The reason is a fixed notice, nothing reflected.
      const query = new URLSearchParams();
      if (back !== null) query.set("next", back);
      if (endedSession(request, context)) query.set("notice", "session-ended");
      const search = query.toString();
      return reply.redirect(search === "" ? login : `${login}?${search}`, 303);
    }
    reply.headers(problem.headers);
    return sendErrorPage(request, reply, context, problem.code, problem.detail);
  };
}
