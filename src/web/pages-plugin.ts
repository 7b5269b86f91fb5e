import { readFileSync } from "node:fs";
import fastifyFormbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RouteContext } from "../http/route-context.ts";
import { type AdminDenial, adminGroup, routeGroup } from "../http/route-policy.ts";
import { errorPageHandler } from "./error-page.ts";
import { accountPages } from "./pages/account-pages.ts";
import { adminUserPages } from "./pages/admin-user-pages.ts";
import { apiReferencePage } from "./pages/api-reference-page.ts";
import { auditPages } from "./pages/audit-pages.ts";
import { authPages } from "./pages/auth-pages.ts";
import { mailPages } from "./pages/mail-pages.ts";
import { recoveryPages } from "./pages/recovery-pages.ts";
import { tokenPages } from "./pages/token-pages.ts";
import { webhookPages } from "./pages/webhook-pages.ts";

const stylesheet = readFileSync(new URL("./assets/gatehouse.css", import.meta.url), "utf8");
const favicon = readFileSync(new URL("./assets/favicon.svg", import.meta.url), "utf8");

/**
 * @module
 * The server-rendered pages. Forms post `application/x-www-form-urlencoded` (parsed only in this scope),
 * carry the session's `_csrf` token, and call the same use cases as the API. A page that needs a session
 * sends a signed-out visitor to the sign-in page; every other refusal is an error page with its code
 * (error-page.ts).
 */
export function pagesPlugin(context: RouteContext, onAdminDenied: AdminDenial) {
  return async (app: FastifyInstance) => {
    await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

    app.setErrorHandler(errorPageHandler(context));

    await app.register(
      routeGroup("public", (group) => {
        group.get("/assets/gatehouse.css", async (_request, reply) =>
          reply.type("text/css; charset=utf-8").header("Cache-Control", "public, max-age=3600").send(stylesheet),
        );
        // Browsers ask for /favicon.ico whatever the page says; both names serve the same SVG.
        group.get("/favicon.ico", async (_request, reply) =>
          reply.type("image/svg+xml").header("Cache-Control", "public, max-age=86400").send(favicon),
        );
        const home = async (request: FastifyRequest, reply: FastifyReply) =>
          reply.redirect(`${context.basePath}${request.auth === null ? "/login" : "/account"}`, 303);
        // Under a path prefix, `/auth` and `/auth/` are two routes, each seen by the registry (a route that
        // Fastify adds for the other spelling on its own would be missing from the 405 answers).
        group.get("/", { prefixTrailingSlash: "no-slash" }, home);
        if (context.basePath !== "") group.get("/", { prefixTrailingSlash: "slash" }, home);
        authPages(group, context);
        recoveryPages(group, context);
        mailPages(group, context);
        apiReferencePage(group, context);
      }),
    );
    await app.register(routeGroup("authenticated", (group) => accountPages(group, context)));
    await app.register(adminGroup((group) => adminUserPages(group, context), onAdminDenied));
    await app.register(adminGroup((group) => auditPages(group, context), onAdminDenied));
    await app.register(adminGroup((group) => tokenPages(group, context), onAdminDenied));
    await app.register(adminGroup((group) => webhookPages(group, context), onAdminDenied));
  };
}
