/**
 * @module
 * What every request goes through before its route's own guards: security headers, the JSON-only body
 * rule, the URL's text check and the session check (onRequest); then the body's text check and the CSRF
 * check once the body is parsed (preValidation).
 */
import type { FastifyInstance } from "fastify";
import { checkSession } from "../domain/sessions/session-check.ts";
import { requireJsonBody } from "./body-guard.ts";
import { csrfProtection } from "./csrf.ts";
import { rejectMalformedBodyText, rejectMalformedUrlText } from "./reject-malformed-text.ts";
import type { RouteContext } from "./route-context.ts";
import { routePath } from "./route-path.ts";
import { isScimPath } from "./scim/scim-path.ts";
import { securityHeadersFor } from "./security-headers.ts";

/** Before any route is registered: Fastify gives a route the hooks that exist when it is added. */
export function installRequestPipeline(app: FastifyInstance, context: RouteContext): void {
  app.decorateRequest("auth", null);
  app.decorateRequest("bearer", null);
  // One hook per phase keeps the per-request work to what it must be (docs/perf-history.md, "Optimizations"):
  // this is the measured hot path, so each step is a plain call here, not a hook or closure of its own.
  app.addHook("onRequest", async (request, reply) => {
    // By the route that matched: a percent-encoded alias of an API route gets the API's checks too.
    const path = routePath(request, context.basePath);
    reply.headers(securityHeadersFor(path));
    if (path.startsWith("/api/")) requireJsonBody(request);
    // Before the route groups' guards: their refusals are audited with the URL's id.
    rejectMalformedUrlText(request);
    // The session check: every request re-reads its session and user from the store.
    request.auth = await checkSession(context.deps, request.cookies[context.cookie.name]);
  });
  const rejectCrossSiteRequests = csrfProtection({ publicOrigin: context.publicUrl.origin, key: context.csrfKey });
  app.addHook("preValidation", (request, _reply, done) => {
    try {
      rejectMalformedBodyText(request);
      // SCIM takes no cookie at all (its group refuses every request without a bearer token before this
      // runs), so what is left on its paths, a 404 or 405 that runs nothing, answers as itself.
      if (!isScimPath(routePath(request, context.basePath))) rejectCrossSiteRequests(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
