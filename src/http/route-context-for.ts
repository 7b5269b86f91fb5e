/**
 * @module
 * The RouteContext of one app: its settings, the keys derived from its secret, and the limiters its
 * routes share (one set per app, so two apps over one store never share a budget).
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from "fastify";
import type { Clock } from "../domain/ports.ts";
import { LoginThrottle } from "../domain/users/login-throttle.ts";
import { addressKey } from "../infra/client-address.ts";
import { deriveKey } from "../infra/keys.ts";
import type { AppOptions, Limits } from "./app-options.ts";
import { authenticateBearer } from "./bearer-auth.ts";
import { type PasswordThrottles, rateLimited, signupRateLimit } from "./password-throttle.ts";
import type { RouteContext } from "./route-context.ts";
import { basePathOf } from "./route-path.ts";
import { signInSecurityHeaders } from "./security-headers.ts";
import { sessionCookieFor } from "./session-cookie.ts";

/** `app` must have @fastify/rate-limit registered (createHttpApp does): the account-act limit is its. */
export function routeContextFor(app: FastifyInstance, options: AppOptions, limits: Limits): RouteContext {
  const { clock } = options.deps;
  const throttles: PasswordThrottles = {
    address: new LoginThrottle(clock, limits.passwordAttemptsPerIpPerMinute, 60_000),
    accountFromAddress: new LoginThrottle(clock, limits.failuresPerAccount, limits.failureWindowMs),
    account: new LoginThrottle(clock, limits.failuresPerAccountAllAddresses, limits.failureWindowMs),
  };
  const allowedHosts = options.allowedHosts ?? [];
  const cookie = sessionCookieFor(options.publicUrl, options.deps.lifetimes.absoluteMs, options.cookieDomain ?? null);
  const bearer = {
    deps: options.deps,
    cookieName: cookie.name,
    failures: new LoginThrottle(clock, limits.failedTokensPerAddressPerMinute, 60_000),
  };
  return {
    deps: options.deps,
    publicUrl: options.publicUrl,
    basePath: basePathOf(options.publicUrl),
    allowedHosts,
    signInHeaders: signInSecurityHeaders(options.publicUrl, allowedHosts),
    cookie,
    trustProxy: options.trustProxy ?? false,
    authzRules: options.authzRules ?? [],
    csrfKey: deriveKey(options.secret, "csrf"),
    throttles,
    signupRateLimit: signupRateLimit(throttles),
    accountActLimit: accountActLimit(app, limits, clock),
    tokens: (channel) => (request) => authenticateBearer(bearer, request, channel),
    mail: {
      perClient: new LoginThrottle(clock, limits.mailRequestsPerAddressPerMinute, 60_000),
      perRecipient: new LoginThrottle(clock, limits.mailsPerRecipientPerHour, 3_600_000),
    },
  };
}

/**
 * Acts on one's own account that write a success row (sign-out, ending sessions, saving the profile): per
 * account, so one user's script never holds back the others behind the same address, and per address too,
 * so fresh sign-ups from one client cannot each bring a new budget of audit rows.
 */
function accountActLimit(app: FastifyInstance, limits: Limits, clock: Clock): preHandlerAsyncHookHandler {
  const perAccount = app.rateLimit({
    max: limits.accountActsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) =>
      request.auth === null ? `address\n${addressKey(request.ip)}` : `account\n${request.auth.user.id}`,
  });
  // Counted apart from @fastify/rate-limit, which applies one limit per request: the same fixed-window,
  // reserve-first counter as the password budgets.
  const perAddress = new LoginThrottle(clock, limits.accountActsPerAddressPerMinute, 60_000);
  return async function accountActLimit(this: FastifyInstance, request, reply) {
    // The account's own limit first: what it refuses does not count against the others at its address.
    await perAccount.call(this, request, reply);
    const client = addressKey(request.ip);
    const waitMs = perAddress.retryAfterMs(client);
    if (waitMs > 0) throw rateLimited(waitMs);
    perAddress.reserve(client)?.count();
  };
}
