import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteOptions,
} from "fastify";
import type { Actor, Authenticated } from "../domain/actor.ts";
import { permissionTable } from "../domain/admin/authz.ts";
import { type Refusal, refuse } from "../domain/errors.ts";
import type { TokenScope } from "../domain/tokens/api-token.ts";
import { invalidTokenChallenge } from "./bearer-auth.ts";
import { GatehouseError } from "./gatehouse-error.ts";
import { completeAnswers, declaredSuccesses } from "./openapi/route-answers.ts";
import { callerOf } from "./request-auth.ts";
import { routePattern } from "./route-path.ts";
import { isApiPath } from "./security-headers.ts";

/**
 * @module
 * Guards belong to route groups, not to handlers: a route is registered inside a group whose policy it
 * inherits, so no route can forget its guard. Every route carries its policy in its config, and the app
 * refuses to start if one does not (see assertEveryRouteHasPolicy).
 */
/** "admin": the admin groups, the session-or-token ones and the token-only one (tokenOnlyGroup) alike. */
export type RoutePolicy = "public" | "authenticated" | "admin";
type DeclaredPolicy = RoutePolicy | "method-not-allowed";

declare module "fastify" {
  interface FastifyContextConfig {
    policy?: DeclaredPolicy;
  }
  interface FastifyRequest {
    /** Set by the session check on every request; null when the request carries no valid session. */
    auth: Authenticated | null;
  }
}

export type RouteRegistrar = (group: FastifyInstance) => void | Promise<void>;

/**
 * Audits a group's refusal of a caller it knows and returns it (the refusal given, FORBIDDEN when none is,
 * or RATE_LIMITED past the denial budget).
 */
export type AdminDenial = (request: FastifyRequest, actor: Actor, refusal?: Refusal) => Promise<Refusal>;

/**
 * A group's bearer check (http/bearer-auth.ts `authenticateBearer`, bound to the app and a channel): true
 * when the request authenticated with an API token, false when it presented none; throws for a bad one.
 */
export type TokenGuard = (request: FastifyRequest) => Promise<boolean>;

/** The token guard of a group whose routes refuse tokens, and the handler that audits each refusal. */
export interface TokenRefusal {
  readonly tokens: TokenGuard;
  readonly onDenied: AdminDenial;
}

/**
 * Routes anyone may call, or any signed-in user. An admin group has its own constructor: adminGroup. An
 * authenticated group given a token guard is one whose routes an API token may not use (the caller's own
 * account and sessions): a valid token is refused with 403 insufficient_scope rather than looking signed out,
 * and the refusal is audited like every refusal of a known caller (the token's owner, the token's id).
 */
export function routeGroup(
  policy: "public" | "authenticated",
  register: RouteRegistrar,
  refusing?: TokenRefusal,
): FastifyPluginAsync {
  if (policy === "public") return policyGroup(policy, [], register, false);
  const guard = refusing === undefined ? requireSession : refuseTokens(refusing);
  return policyGroup(policy, [guard], register, refusing !== undefined);
}

/**
 * Administrative routes. The denial handler is not optional: without it the coarse gate below could not
 * audit its refusals, and a group registered without the gate would let every role reach the handlers.
 * With a token guard, an API token is a caller too (the admin API); without one (the pages) only a session.
 */
export function adminGroup(register: RouteRegistrar, onDenied: AdminDenial, tokens?: TokenGuard): FastifyPluginAsync {
  const caller = tokens === undefined ? requireSession : requireSessionOrToken(tokens);
  return policyGroup("admin", [caller, adminRolesOnly(onDenied)], register, tokens !== undefined);
}

/**
 * Administrative routes only an API token with `scope` may call (SCIM): no session ever reaches them. A
 * cookie alone is 401 invalid_token like a missing token, a cookie with a bearer token is the ambiguity
 * refusal (bearer-auth.ts), a valid token without the scope is INSUFFICIENT_SCOPE, audited like the admin
 * gate's refusals; then the admin gate itself, and each use case's exact permission check.
 */
export function tokenOnlyGroup(
  register: RouteRegistrar,
  onDenied: AdminDenial,
  tokens: TokenGuard,
  scope: TokenScope,
): FastifyPluginAsync {
  return policyGroup("admin", [requireToken(tokens, scope, onDenied), adminRolesOnly(onDenied)], register, true);
}

function policyGroup(
  policy: RoutePolicy,
  guards: readonly onRequestAsyncHookHandler[],
  register: RouteRegistrar,
  acceptsTokens: boolean,
): FastifyPluginAsync {
  return async (group) => {
    group.addHook("onRoute", (route) => {
      route.config = { ...route.config, policy, ...(acceptsTokens ? { acceptsTokens } : {}) };
      // An API route's every answer is in its response schema: what it declares, and its policy's refusals.
      if (isApiPath(routePattern(route))) completeAnswers(route, policy);
    });
    // Refused before the body is even parsed.
    for (const guard of guards) group.addHook("onRequest", guard);
    await register(group);
  };
}

async function requireSession(request: FastifyRequest): Promise<void> {
  if (request.auth === null) throw new GatehouseError("UNAUTHENTICATED");
}

function requireSessionOrToken(tokens: TokenGuard): onRequestAsyncHookHandler {
  return async function requireSessionOrToken(request) {
    if (await tokens(request)) return;
    if (request.auth === null) throw new GatehouseError("UNAUTHENTICATED");
  };
}

function requireToken(tokens: TokenGuard, scope: TokenScope, onDenied: AdminDenial): onRequestAsyncHookHandler {
  return async function requireToken(request) {
    if (!(await tokens(request))) {
      throw new GatehouseError("INVALID_TOKEN", undefined, { "WWW-Authenticate": invalidTokenChallenge });
    }
    const caller = callerOf(request);
    if (caller !== null && request.bearer !== null && !request.bearer.auth.token.scopes.includes(scope)) {
      throw GatehouseError.from(await onDenied(request, caller, refuse("INSUFFICIENT_SCOPE")));
    }
  };
}

function refuseTokens({ tokens, onDenied }: TokenRefusal): onRequestAsyncHookHandler {
  return async function refuseTokens(request) {
    if (await tokens(request)) {
      const caller = callerOf(request);
      if (caller === null) throw new GatehouseError("UNAUTHENTICATED");
      const refusal = refuse("INSUFFICIENT_SCOPE", "API tokens cannot act on an account's own sessions or settings.");
      throw GatehouseError.from(await onDenied(request, caller, refusal));
    }
    if (request.auth === null) throw new GatehouseError("UNAUTHENTICATED");
  };
}

/**
 * A first, coarse gate: a role with no administrative permission at all never reaches a handler.
 * Each use case then checks its exact permission again, before any lookup.
 */
function adminRolesOnly(onDenied: AdminDenial): onRequestAsyncHookHandler {
  return async function refuseRolesWithoutAdminPermissions(request) {
    const caller = callerOf(request);
    if (caller !== null && caller.type === "user" && permissionTable[caller.user.role].size === 0) {
      throw GatehouseError.from(await onDenied(request, caller));
    }
  };
}

/** Collects every route as it is registered, for the 405 answers and the policy check. */
export class RouteRegistry {
  readonly routes: RouteOptions[] = [];

  record(route: RouteOptions): void {
    this.routes.push(route);
  }

  methodsByUrl(): Map<string, Set<string>> {
    const byUrl = new Map<string, Set<string>>();
    for (const route of this.routes) {
      if (route.config?.policy === "method-not-allowed") continue;
      const methods = byUrl.get(route.url) ?? new Set<string>();
      for (const method of [route.method].flat()) methods.add(method);
      byUrl.set(route.url, methods);
    }
    return byUrl;
  }
}

/**
 * A path that exists but not for this method answers 405 with an Allow header, whoever asks, and nothing
 * runs: GET and HEAD on a route that only changes state can never reach its handler. That covers every
 * method the router knows (`supportedMethods`: OPTIONS, TRACE and QUERY too), so no method makes an existing
 * path look absent, and TRACE never echoes a request. Method-override headers and `_method` fields are
 * not honoured anywhere (Fastify routes on the request line's method only).
 */
export function methodNotAllowedRoutes(
  registry: RouteRegistry,
  answer: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>,
): FastifyPluginAsync {
  return async (app) => {
    // Nothing a 405 answer depends on is in the body: one of a type only another scope parses (SCIM's
    // application/scim+json) is read and dropped here, so the answer is the 405 and not a 415.
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, _body, done) => done(null, undefined));
    for (const [url, methods] of registry.methodsByUrl()) {
      const allow = [...methods].sort().join(", ");
      const missing = app.supportedMethods.filter((method) => !methods.has(method));
      if (missing.length === 0) continue;
      app.route({
        method: missing,
        url,
        exposeHeadRoute: false,
        config: { policy: "method-not-allowed" },
        handler: async (request, reply) => {
          reply.header("Allow", allow);
          return answer(request, reply);
        },
      });
    }
  };
}

export function assertEveryRouteHasPolicy(registry: RouteRegistry): void {
  const missing = registry.routes.filter((route) => route.config?.policy === undefined);
  if (missing.length > 0) {
    const names = missing.map((route) => `${[route.method].flat().join(",")} ${route.url}`);
    throw new Error(`Routes registered outside a policy group: ${names.join("; ")}`);
  }
}

/**
 * Every API route declares the successes it answers, each with its schema: that is what serializes the
 * answer and what the OpenAPI document says of it, so a route without one cannot be documented.
 */
export function assertEveryApiRouteAnswers(registry: RouteRegistry): void {
  const missing = registry.routes.filter(
    (route) =>
      route.config?.policy !== "method-not-allowed" &&
      isApiPath(routePattern(route)) &&
      route.method !== "HEAD" &&
      declaredSuccesses(route).length === 0,
  );
  if (missing.length > 0) {
    const names = missing.map((route) => `${[route.method].flat().join(",")} ${route.url}`);
    throw new Error(`API routes without a response schema for their success: ${names.join("; ")}`);
  }
}
