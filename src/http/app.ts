import { randomUUID } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { type Authenticated, actorOf, type Deps } from "../domain/context.ts";
import { GatehouseError, refuse } from "../domain/errors.ts";
import { recordDenial } from "../domain/guard.ts";
import { LoginThrottle } from "../domain/login-throttle.ts";
import { checkSession } from "../domain/sessions.ts";
import { deriveKey } from "../infra/keys.ts";
import { pagesPlugin, sendErrorPage } from "../web/pages-plugin.ts";
import { requireJsonBody } from "./body-guard.ts";
import { answerClientError } from "./client-error.ts";
import { csrfProtection } from "./csrf.ts";
import { type PasswordThrottles, signupRateLimit } from "./password-throttle.ts";
import { installProblemHandlers, sendProblem } from "./problem.ts";
import { withRedactedUrls } from "./redacted-url.ts";
import { rejectMalformedBodyText, rejectMalformedUrlText } from "./reject-malformed-text.ts";
import { requestMeta } from "./request-meta.ts";
import type { RouteContext } from "./route-context.ts";
import { routePath } from "./route-path.ts";
import { assertEveryRouteHasPolicy, methodNotAllowedRoutes, RouteRegistry, routeGroup } from "./route-policy.ts";
import { accountRoutes } from "./routes/account-routes.ts";
import { adminUserRoutes } from "./routes/admin-user-routes.ts";
import { auditRoutes } from "./routes/audit-routes.ts";
import { authRoutes, sessionRoutes } from "./routes/auth-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { apiSecurityHeaders, isApiPath, securityHeadersFor } from "./security-headers.ts";
import { sessionCookieFor } from "./session-cookie.ts";
import { fastifyTrustProxy, type TrustedProxies } from "./trusted-proxies.ts";

export interface Limits {
  /** Password verdicts (right or wrong) and sign-ups per minute per client address. */
  readonly passwordAttemptsPerIpPerMinute: number;
  /** Failed password attempts on one account from one address within the window before 429. */
  readonly failuresPerAccount: number;
  /** Failed password attempts on one account from all addresses together within the window before 429. */
  readonly failuresPerAccountAllAddresses: number;
  readonly failureWindowMs: number;
  /**
   * Audited acts on one's own account per account per minute (profile, sign-out, ending sessions): each
   * writes an audit row, so each is limited; 60 is more than a person clicks.
   */
  readonly accountActsPerMinute: number;
  readonly bodyLimitBytes: number;
}

export const defaultLimits: Limits = {
  passwordAttemptsPerIpPerMinute: 30,
  failuresPerAccount: 10,
  failuresPerAccountAllAddresses: 100,
  failureWindowMs: 15 * 60_000,
  accountActsPerMinute: 60,
  bodyLimitBytes: 16 * 1024,
};

export interface AppOptions {
  readonly deps: Deps;
  readonly publicUrl: URL;
  readonly secret: Buffer;
  readonly logger?: FastifyServerOptions["logger"];
  /** Two log lines per request (received, completed) at info level; off unless asked for. */
  readonly logRequests?: boolean;
  readonly trustProxy?: TrustedProxies;
  readonly limits?: Partial<Limits>;
}

export interface GatehouseApp {
  readonly app: FastifyInstance;
  readonly registry: RouteRegistry;
}

export async function buildApp(options: AppOptions): Promise<GatehouseApp> {
  const limits = { ...defaultLimits, ...options.limits };
  const app = Fastify({
    logger: withRedactedUrls(options.logger ?? false),
    logController: new LogController({ disableRequestLogging: !(options.logRequests ?? false) }),
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    bodyLimit: limits.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // A URL that cannot even be decoded is refused before routing, so no hook runs for it: it still gets
    // a problem+json answer, with the headers of every JSON answer (its raw path cannot say which route).
    frameworkErrors: (_error, _request, reply) => {
      reply.headers(apiSecurityHeaders);
      return sendProblem(reply, "VALIDATION_FAILED", "The URL is not valid.");
    },
    clientErrorHandler: answerClientError,
    // Routing follows the request line only: no method override of any kind is honoured.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON is parsed: text/plain (the other default parser) is a body a cross-site form can send.
  app.removeContentTypeParser("text/plain");
  installProblemHandlers(app);

  const registry = new RouteRegistry();
  app.addHook("onRoute", (route) => registry.record(route));
  app.addHook("onReady", async () => assertEveryRouteHasPolicy(registry));

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new GatehouseError("RATE_LIMITED", `Try again in ${context.after}.`),
  });

  const { clock } = options.deps;
  const throttles: PasswordThrottles = {
    address: new LoginThrottle(clock, limits.passwordAttemptsPerIpPerMinute, 60_000),
    accountFromAddress: new LoginThrottle(clock, limits.failuresPerAccount, limits.failureWindowMs),
    account: new LoginThrottle(clock, limits.failuresPerAccountAllAddresses, limits.failureWindowMs),
  };
  const context: RouteContext = {
    deps: options.deps,
    publicUrl: options.publicUrl,
    cookie: sessionCookieFor(options.publicUrl, options.deps.lifetimes.absoluteMs),
    csrfKey: deriveKey(options.secret, "csrf"),
    throttles,
    signupRateLimit: signupRateLimit(throttles),
    accountActLimit: app.rateLimit({
      max: limits.accountActsPerMinute,
      timeWindow: 60_000,
      // Counted per account, so one user's script never holds back the others behind the same address.
      keyGenerator: (request) =>
        request.auth === null ? `address\n${request.ip}` : `account\n${request.auth.user.id}`,
    }),
  };

  app.decorateRequest("auth", null);
  // One hook per phase keeps the per-request work to what it must be (docs/perf-history.md, "Optimizations").
  app.addHook("onRequest", async (request, reply) => {
    // By the route that matched: a percent-encoded alias of an API route gets the API's checks too.
    const path = routePath(request);
    reply.headers(securityHeadersFor(path));
    if (path.startsWith("/api/")) requireJsonBody(request);
    // Before the route groups' guards: their refusals are audited with the URL's id.
    rejectMalformedUrlText(request);
    // The session check: every request re-reads its session and user from the store.
    request.auth = await checkSession(context.deps, request.cookies[context.cookie.name]);
  });
  const rejectCrossSiteRequests = csrfProtection({ publicOrigin: options.publicUrl.origin, key: context.csrfKey });
  app.addHook("preValidation", (request, _reply, done) => {
    try {
      rejectMalformedBodyText(request);
      rejectCrossSiteRequests(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  await app.register(routeGroup("public", (group) => healthRoutes(group, context)));
  await app.register(routeGroup("public", (group) => authRoutes(group, context)));
  await app.register(routeGroup("authenticated", (group) => sessionRoutes(group, context)));
  await app.register(routeGroup("authenticated", (group) => accountRoutes(group, context)));
  const auditAdminDenial = async (request: FastifyRequest, auth: Authenticated) => {
    const id = (request.params as { id?: unknown }).id;
    return recordDenial(
      context.deps,
      actorOf(auth),
      requestMeta(request),
      `${request.method} ${request.routeOptions.url}`,
      typeof id === "string" ? id : null,
      refuse("FORBIDDEN"),
    );
  };
  await app.register(routeGroup("admin", (group) => adminUserRoutes(group, context), auditAdminDenial));
  await app.register(routeGroup("admin", (group) => auditRoutes(group, context), auditAdminDenial));
  await app.register(pagesPlugin(context, auditAdminDenial));

  // Paths outside the API answer people: HTML error pages carrying the same problem codes.
  app.setNotFoundHandler((request, reply) =>
    isApiPath(routePath(request))
      ? sendProblem(reply, "NOT_FOUND")
      : sendErrorPage(request, reply, context, "NOT_FOUND"),
  );
  await app.register(
    methodNotAllowedRoutes(registry, (request, reply) =>
      isApiPath(routePath(request))
        ? sendProblem(reply, "METHOD_NOT_ALLOWED")
        : sendErrorPage(request, reply, context, "METHOD_NOT_ALLOWED"),
    ),
  );
  return { app, registry };
}
