/**
 * @module
 * The RouteContext of one app: its settings, the keys derived from its secret, and the limiters its
 * routes share (one set per app, so two apps over one store never share a budget).
 */
import type { FastifyInstance } from "fastify";
import { LoginThrottle } from "../domain/login-throttle.ts";
import { deriveKey } from "../infra/keys.ts";
import type { AppOptions, Limits } from "./app-options.ts";
import { type PasswordThrottles, signupRateLimit } from "./password-throttle.ts";
import type { RouteContext } from "./route-context.ts";
import { sessionCookieFor } from "./session-cookie.ts";

/** `app` must have @fastify/rate-limit registered (createHttpApp does): the account-act limit is its. */
export function routeContextFor(app: FastifyInstance, options: AppOptions, limits: Limits): RouteContext {
  const { clock } = options.deps;
  const throttles: PasswordThrottles = {
    address: new LoginThrottle(clock, limits.passwordAttemptsPerIpPerMinute, 60_000),
    accountFromAddress: new LoginThrottle(clock, limits.failuresPerAccount, limits.failureWindowMs),
    account: new LoginThrottle(clock, limits.failuresPerAccountAllAddresses, limits.failureWindowMs),
  };
  return {
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
}
