/**
 * @module
 * API tokens at the edge: `Authorization: Bearer <token>` on the routes that accept one (the admin API,
 * introspection, SCIM), checked by their group's guard, never on every request: the session check's hot path
 * and the public routes (the verify endpoint sees the protected apps' own Authorization headers) never look
 * at the header. A token request carries no ambient credential, so it skips the CSRF check (csrf.ts); one
 * carrying the session cookie too is refused as ambiguous, so no request is judged by two principals.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../domain/deps.ts";
import type { TokenChannel, TokenScope } from "../domain/tokens/api-token.ts";
import { checkApiToken, type TokenAuthenticated } from "../domain/tokens/token-check.ts";
import type { LoginThrottle } from "../domain/users/login-throttle.ts";
import { addressKey } from "../infra/client-address.ts";
import { GatehouseError } from "./gatehouse-error.ts";
import { rateLimited } from "./password-throttle.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by a token-accepting group's guard when the request's bearer token is valid; else null. */
    bearer: { readonly auth: TokenAuthenticated; readonly channel: TokenChannel } | null;
  }
  interface FastifyContextConfig {
    /** The route accepts an API token (set by its group): its 401 and 403 answers say how (RFC 6750). */
    acceptsTokens?: boolean;
    /**
     * The scope a token needs for this route (documented; the use case's permission check decides, through
     * the scope's permissions: domain/tokens/api-token.ts). Absent on a token-accepting route: no token may.
     */
    tokenScope?: TokenScope;
  }
}

/** The challenge of every 401 on a token-accepting route: missing, malformed, unknown, expired, revoked alike. */
export const invalidTokenChallenge = 'Bearer realm="gatehouse", error="invalid_token"';
export const insufficientScopeChallenge = 'Bearer realm="gatehouse", error="insufficient_scope"';

/** The presented token, null without an Authorization header, or "" for an Authorization header that is not one (another scheme, no token). */
export function presentedBearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer +([^ ]+) *$/i.exec(header);
  return match === null ? "" : (match[1] as string);
}

export interface BearerAuthentication {
  readonly deps: Deps;
  readonly cookieName: string;
  /** Failed bearer authentications per client address (IPv4, or IPv6 /64); past it 429, valid or not. */
  readonly failures: LoginThrottle;
}

/**
 * Authenticates the request's bearer token for a group's guard: sets `request.bearer` and returns true, or
 * returns false when the request presents no Authorization header at all (the session decides then).
 * Throws AMBIGUOUS_CREDENTIALS with the cookie too, RATE_LIMITED past the address's failures, and
 * INVALID_TOKEN for every bad token alike (each of those counted).
 */
export async function authenticateBearer(
  options: BearerAuthentication,
  request: FastifyRequest,
  channel: TokenChannel,
): Promise<boolean> {
  const presented = presentedBearer(request);
  if (presented === null) return false;
  if (request.cookies[options.cookieName] !== undefined) {
    throw new GatehouseError("AMBIGUOUS_CREDENTIALS");
  }
  const client = addressKey(request.ip);
  const waitMs = options.failures.retryAfterMs(client);
  if (waitMs > 0) throw rateLimited(waitMs);
  // Only failures count, and nothing is reserved first: a service's concurrent calls with its valid token
  // must never queue behind the limit. A burst of bad tokens can overshoot it by the burst's size, which a
  // 256-bit secret can afford: the limit is against scanning and noise in the audit of failures, not guessing.
  const auth = await checkApiToken(options.deps, presented);
  if (auth === null) {
    options.failures.reserve(client)?.count();
    throw new GatehouseError("INVALID_TOKEN", undefined, { "WWW-Authenticate": invalidTokenChallenge });
  }
  request.bearer = { auth, channel };
  return true;
}

/**
 * RFC 6750's challenges on a token-accepting route's refusals: every 401 says `invalid_token`, and a 403 to
 * a token says `insufficient_scope` (the token, its owner's role now, or the target's rank: what the token
 * can do here is not enough).
 */
export function bearerChallenge(request: FastifyRequest, reply: FastifyReply, status: number): void {
  if (request.routeOptions.config?.acceptsTokens !== true) return;
  if (status === 401) reply.header("WWW-Authenticate", invalidTokenChallenge);
  else if (status === 403 && request.bearer !== null) reply.header("WWW-Authenticate", insufficientScopeChallenge);
}
