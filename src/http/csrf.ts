import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { csrfTokenFor } from "./csrf-token.ts";
import { GatehouseError } from "./gatehouse-error.ts";
import { unsafeMethods } from "./unsafe-methods.ts";

export interface CsrfOptions {
  /** The configured public origin (scheme://host[:port]), the only one trusted for unsafe requests. */
  readonly publicOrigin: string;
  readonly key: Buffer;
}

/**
 * Cross-site request forgery defence for every unsafe method, in two independent layers:
 *  1. Same origin. `Sec-Fetch-Site` when the browser sends it: `same-origin` passes, `none` (a request
 *     the user made by hand) passes only as a top-level navigation, `same-site` and `cross-site` are
 *     refused (sibling subdomains are not trusted). Without it, `Origin` must equal the public origin.
 *     With neither, the request is refused: every browser that could be tricked sends one of them, and
 *     other clients must say where they come from.
 *  2. A token bound to the session (an HMAC of its id), in `X-CSRF-Token` or a form's `_csrf` field,
 *     whenever the request is authenticated by the session cookie. Login and sign-up have no session yet:
 *     layer 1 protects them (login CSRF).
 * Runs after the body is parsed (so forms can carry the token) and before validation and the handler:
 * a refused request changes nothing.
 */
export function csrfProtection(options: CsrfOptions) {
  return function rejectCrossSiteRequests(request: FastifyRequest): void {
    if (!unsafeMethods.has(request.method)) return;
    // A request authenticated by an API token (http/bearer-auth.ts) carries no ambient credential: a
    // browser cannot be made to attach the header, and the guard refused it if it also sent the cookie.
    if (request.bearer !== null) return;
    if (!isSameOrigin(request, options.publicOrigin)) {
      throw new GatehouseError("CSRF_REJECTED", "The request did not come from this site.");
    }
    if (request.auth === null) return;
    const expected = csrfTokenFor(options.key, request.auth.session.id);
    const presented = presentedToken(request);
    if (presented === null || !sameToken(presented, expected)) {
      throw new GatehouseError("CSRF_REJECTED", "The anti-forgery token is missing or belongs to another session.");
    }
  };
}

export function isSameOrigin(request: FastifyRequest, publicOrigin: string): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined) {
    if (site === "same-origin") return true;
    return site === "none" && request.headers["sec-fetch-mode"] === "navigate";
  }
  const origin = request.headers.origin;
  return origin !== undefined && origin === publicOrigin;
}

function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers["x-csrf-token"];
  if (typeof header === "string") return header;
  const body = request.body;
  if (typeof body === "object" && body !== null && "_csrf" in body) {
    const field = (body as { _csrf: unknown })._csrf;
    if (typeof field === "string") return field;
  }
  return null;
}

function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
