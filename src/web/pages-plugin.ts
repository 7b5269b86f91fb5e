import { readFileSync } from "node:fs";
import fastifyFormbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { Authenticated } from "../domain/context.ts";
import { type ErrorCode, errorCodes, GatehouseError, type Refusal } from "../domain/errors.ts";
import { returnUrl } from "../http/return-url.ts";
import type { RouteContext } from "../http/route-context.ts";
import { routeGroup } from "../http/route-policy.ts";
import { html } from "./html.ts";
import { alertBox } from "./layout.ts";
import { pageContext, sendPage } from "./page-support.ts";
import { accountPages } from "./pages/account-pages.ts";
import { adminUserPages } from "./pages/admin-user-pages.ts";
import { auditPages } from "./pages/audit-pages.ts";
import { authPages } from "./pages/auth-pages.ts";

const stylesheet = readFileSync(new URL("./assets/gatehouse.css", import.meta.url), "utf8");
const favicon = readFileSync(new URL("./assets/favicon.svg", import.meta.url), "utf8");

const friendly: Partial<Record<number, string>> = {
  400: "That request was not valid.",
  403: "You are not allowed to do that.",
  404: "There is nothing here.",
  405: "That page cannot be used that way.",
  409: "That cannot be done right now.",
  429: "Too many attempts.",
  500: "Something went wrong.",
};

/** An error page for people: the same status and problem code as the API would give. */
export function sendErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  context: RouteContext,
  code: ErrorCode,
  detail?: string,
) {
  const { status, title } = errorCodes[code];
  const page = pageContext(request, context);
  const content = html`<h1>${friendly[status] ?? title}</h1>
${alertBox(title, code, detail ?? null)}
<p><a href="${page.auth === null ? "/login" : "/account"}">Go to ${page.auth === null ? "sign in" : "your account"}</a></p>`;
  return sendPage(
    reply,
    { ...page, notice: null },
    { title: friendly[status] ?? title, narrow: true },
    content,
    status,
  );
}

/**
 * The server-rendered pages. Forms post `application/x-www-form-urlencoded` (parsed only in this scope),
 * carry the session's `_csrf` token, and call the same use cases as the API. A page that needs a session
 * sends a signed-out visitor to the sign-in page; every other refusal is an error page with its code.
 */
export function pagesPlugin(
  context: RouteContext,
  onAdminDenied: (request: FastifyRequest, auth: Authenticated) => Promise<Refusal>,
) {
  return async (app: FastifyInstance) => {
    await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof GatehouseError) {
        if (error.code === "UNAUTHENTICATED") {
          // Only a page that was read (GET) is worth returning to, and only by a path the sign-in would follow.
          const back = request.method === "GET" ? returnUrl(request.url, context.publicUrl) : null;
          return reply.redirect(back === null ? "/login" : `/login?next=${encodeURIComponent(back)}`, 303);
        }
        reply.headers(error.headers);
        return sendErrorPage(request, reply, context, error.code, error.detail);
      }
      if (hasZodFastifySchemaValidationErrors(error))
        return sendErrorPage(request, reply, context, "VALIDATION_FAILED");
      const status = error.statusCode ?? 500;
      if (status === 413) return sendErrorPage(request, reply, context, "PAYLOAD_TOO_LARGE");
      if (status === 415) return sendErrorPage(request, reply, context, "UNSUPPORTED_MEDIA_TYPE");
      if (status === 429) return sendErrorPage(request, reply, context, "RATE_LIMITED");
      if (status < 500) return sendErrorPage(request, reply, context, "MALFORMED_BODY");
      request.log.error({ err: error }, "page failed");
      return sendErrorPage(request, reply, context, "INTERNAL");
    });

    await app.register(
      routeGroup("public", (group) => {
        group.get("/assets/gatehouse.css", async (_request, reply) =>
          reply.type("text/css; charset=utf-8").header("Cache-Control", "public, max-age=3600").send(stylesheet),
        );
        // Browsers ask for /favicon.ico whatever the page says; both names serve the same SVG.
        group.get("/favicon.ico", async (_request, reply) =>
          reply.type("image/svg+xml").header("Cache-Control", "public, max-age=86400").send(favicon),
        );
        group.get("/", async (request, reply) => reply.redirect(request.auth === null ? "/login" : "/account", 303));
        authPages(group, context);
      }),
    );
    await app.register(routeGroup("authenticated", (group) => accountPages(group, context)));
    await app.register(routeGroup("admin", (group) => adminUserPages(group, context), onAdminDenied));
    await app.register(routeGroup("admin", (group) => auditPages(group, context), onAdminDenied));
  };
}
