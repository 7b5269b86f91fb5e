import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Authenticated } from "../../domain/actor.ts";
import { roleRank, roles } from "../../domain/users/role.ts";
import { requiredRole } from "../authz-rules.ts";
import { GatehouseError } from "../gatehouse-error.ts";
import { type OriginalRequest, readOriginalRequest } from "../original-request.ts";
import type { RouteContext } from "../route-context.ts";
import { isTrustedPeer } from "../trusted-proxies.ts";
import { unsafeMethods } from "../unsafe-methods.ts";

/**
 * @module
 * `GET /api/authz/verify`: the session check with a reverse proxy's manners (nginx `auth_request`, Caddy
 * `forward_auth`, Traefik `forwardAuth`; docs/integrate.md). It reads `request.auth`, which the request
 * pipeline's session check set from the live session table for this very request, so a deleted, disabled,
 * logged-out or revoked session is refused on the first proxied request after the act returned, and a
 * verify counts as activity through the same throttled last-seen write as any request. It writes nothing
 * else and audits nothing (it is the hot path of every proxied request), and it answers only about the
 * caller's own session: no answer depends on any other account.
 *
 *   200  signed in, active and allowed: Remote-User (id), Remote-Email, Remote-Name, Remote-Groups (role),
 *        always all four, empty rather than absent.
 *   401  no valid session: WWW-Authenticate and an absolute Location to the sign-in page with the original
 *        URL as `next` (nginx turns it into the redirect).
 *   302  (303 after an unsafe method) the same, for a browser navigation through a proxy that hands the
 *        answer to the client as it is (the X-Forwarded-* style, or a direct call).
 *   403  signed in, but the role `?role=` or an AUTHZ_RULES rule asks for is not the caller's.
 *   400  the original-URL headers of a trusted proxy name no URL this server may judge.
 */
const verifyQuery = z.strictObject({ role: z.enum(roles).optional() });

/** Its successes; the refusals' problem schemas are completed from `config.refusals` (openapi/route-answers.ts). */
const verifyResponses = { 200: z.null(), 302: z.null(), 303: z.null() };

export function authzRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    "/api/authz/verify",
    {
      schema: {
        operationId: "verifyForProxy",
        summary: "Forward auth: may the caller open the proxy's original URL? (nginx, Caddy, Traefik)",
        tags: ["auth"],
        querystring: verifyQuery,
        response: verifyResponses,
      },
      config: {
        refusals: ["ORIGINAL_URL_INVALID", "UNAUTHENTICATED", "FORBIDDEN"],
        answerHeaders: ["Identity"],
        unauthenticatedHeaders: ["WWW-Authenticate", "Location"],
      },
    },
    async (request, reply) => {
      const original = readOriginalRequest(
        request.raw.rawHeaders,
        isTrustedPeer(context.trustProxy, request.socket.remoteAddress),
        context,
      );
      if (original.kind === "invalid") throw new GatehouseError("ORIGINAL_URL_INVALID", original.detail);
      const target = original.kind === "found" ? original : null;
      const auth = request.auth;
      if (auth === null) return unauthenticated(context, request, reply, target);
      const ruleTarget = target === null ? null : { hostname: target.url.hostname, path: target.path };
      const needed = requiredRole(context.authzRules, ruleTarget, request.query.role ?? "user");
      if (roleRank(auth.user.role) < roleRank(needed)) {
        throw new GatehouseError("FORBIDDEN", `This address needs the ${needed} role.`);
      }
      return allowed(reply, auth);
    },
  );
}

/** An empty body (the schema's null): the proxy reads the status and the headers only. */
function allowed(reply: FastifyReply, auth: Authenticated): FastifyReply {
  return reply.code(200).headers(identityHeaders(auth)).send();
}

/** Empty rather than absent: a proxy copying a missing header may pass a literal placeholder upstream. */
function identityHeaders(auth: Authenticated): Record<string, string> {
  return {
    "Remote-User": headerText(auth.user.id),
    "Remote-Email": headerText(auth.user.email),
    "Remote-Name": headerText(auth.user.name),
    "Remote-Groups": headerText(auth.user.role),
    "Cache-Control": "no-store",
  };
}

/**
 * A header carries bytes: the text goes as UTF-8 (what the apps behind these proxies read), control
 * characters dropped, so a name can neither split the header nor fail the answer.
 */
function headerText(text: string): string {
  return Buffer.from(text.replace(/\p{Cc}/gu, ""), "utf8").toString("latin1");
}

function unauthenticated(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: OriginalRequest | null,
): FastifyReply {
  // The sign-in page follows an absolute `next` on the public host or an allowed one (http/return-url.ts).
  const signIn = new URL(`${context.basePath}/login`, context.publicUrl);
  const location = new URL(signIn);
  if (target !== null) location.searchParams.set("next", target.url.href);
  const challenge = { "WWW-Authenticate": `Cookie realm="Gatehouse", form-action="${signIn.href}"` };
  if (!isBrowserNavigation(request)) {
    throw new GatehouseError("UNAUTHENTICATED", undefined, { ...challenge, Location: location.href });
  }
  // nginx's auth_request takes only 2xx, 401 and 403: its documented config redirects when this is set.
  if (target?.style === "auth-request") {
    throw new GatehouseError("UNAUTHENTICATED", undefined, {
      ...challenge,
      Location: location.href,
      "X-Gatehouse-Redirect": location.href,
    });
  }
  const method = target?.method ?? request.method;
  return reply.headers(challenge).redirect(location.href, unsafeMethods.has(method) ? 303 : 302);
}

/** A page the user is opening, not a script's fetch or XHR (which get the 401 they can act on). */
function isBrowserNavigation(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  const mode = request.headers["sec-fetch-mode"];
  const wantsHtml = /(^|,)\s*text\/html\s*(;(?!\s*q=0(\.0*)?\s*(;|,|$))[^,]*)?(,|$)/i.test(accept);
  return wantsHtml && (mode === undefined || mode === "navigate") && request.headers["x-requested-with"] === undefined;
}
