import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { Authenticated, RequestMeta } from "../domain/actor.ts";
import { type Refusal, rateLimitedRefusal } from "../domain/errors.ts";
import { normalizeEmail } from "../domain/users/email.ts";
import type { Attempt, LoginThrottle } from "../domain/users/login-throttle.ts";
import { addressKey } from "../infra/client-address.ts";
import { GatehouseError } from "./gatehouse-error.ts";
import { authOf } from "./request-auth.ts";
import { requestMeta } from "./request-meta.ts";
import type { RouteContext } from "./route-context.ts";

/** The password throttles of the app (built in route-context-for.ts from Limits). */
export interface PasswordThrottles {
  /** Every password verdict (right or wrong) and every sign-up, per client address, per minute. */
  readonly address: LoginThrottle;
  /** Wrong passwords on one account from one address. */
  readonly accountFromAddress: LoginThrottle;
  /** Wrong passwords on one account from all addresses together. */
  readonly account: LoginThrottle;
}

/**
 * Every password check in the app goes through here (login, re-authentication, password change,
 * self-deletion, the pages' step-up), so every one is limited by construction, not by a route remembering
 * a hook. Three budgets, each reserved before the hash is awaited, so that however many attempts arrive
 * at once, at most the configured number get a verdict: past a limit the answer is 429 with Retry-After,
 * before any hashing.
 *
 * - per address: a request budget over every verdict, right or wrong (one machine's guessing rate);
 * - per account and address: wrong passwords only, cleared by the right one, so a guesser on one machine
 *   never locks the owner out elsewhere (ASVS 6.3.1);
 * - per account: wrong passwords from everywhere, a far higher limit that slows a distributed attack.
 */
export async function throttledPasswordCheck<T extends { ok: true }>(
  context: RouteContext,
  email: string,
  ip: string,
  check: () => Promise<T | Refusal>,
): Promise<T | Refusal> {
  const account = normalizeEmail(email);
  // One client, one key, however its address is spelled or however large its IPv6 network.
  const client = addressKey(ip);
  const fromAddressKey = `${account}\n${client}`;
  const { throttles } = context;
  // All three or none, in one synchronous step: no other request runs between the checks and the holds.
  const waitMs = Math.max(
    throttles.address.retryAfterMs(client),
    throttles.accountFromAddress.retryAfterMs(fromAddressKey),
    throttles.account.retryAfterMs(account),
  );
  if (waitMs > 0) throw rateLimited(waitMs);
  const address = reserved(throttles.address, client);
  const fromAddress = reserved(throttles.accountFromAddress, fromAddressKey);
  const anywhere = reserved(throttles.account, account);
  let result: T | Refusal;
  try {
    result = await check();
  } catch (error) {
    // A fault gives no verdict; the request itself still counts against the address.
    address.count();
    fromAddress.cancel();
    anywhere.cancel();
    throw error;
  }
  address.count();
  if (result.ok) {
    fromAddress.clear();
    anywhere.cancel();
  } else if (isWrongPassword(result)) {
    fromAddress.count();
    anywhere.count();
  } else {
    fromAddress.cancel();
    anywhere.cancel();
  }
  return result;
}

/**
 * The signed-in caller proving their own password to act (re-authentication, a password change,
 * self-deletion; from the API or a page): throttled on their account, from the request's address.
 */
export function ownPasswordCheck<T extends { ok: true }>(
  context: RouteContext,
  request: FastifyRequest,
  act: (auth: Authenticated, meta: RequestMeta) => Promise<T | Refusal>,
): Promise<T | Refusal> {
  const auth = authOf(request);
  return throttledPasswordCheck(context, auth.user.email, request.ip, () => act(auth, requestMeta(request)));
}

/**
 * A refusal that tells the caller the password was wrong. RATE_LIMITED here is the denial budget
 * (domain/audit/denial-budget.ts) answering in place of an audited wrong-password refusal: the caller still
 * learns that the password was not the right one, so it counts as a wrong one.
 */
function isWrongPassword(refusal: Refusal): boolean {
  return refusal.code === "WRONG_PASSWORD" || refusal.code === "INVALID_CREDENTIALS" || refusal.code === "RATE_LIMITED";
}

/** A reservation on a throttle just seen to have room (within the same synchronous step). */
function reserved(throttle: LoginThrottle, key: string): Attempt {
  const attempt = throttle.reserve(key);
  if (attempt === null) throw new Error("a throttle with room refused a reservation");
  return attempt;
}

/**
 * Sign-up hashes a password without checking one: it draws on the same per-address budget, so creating
 * accounts is no way around the limit on password work from one address.
 */
export function signupRateLimit(throttles: PasswordThrottles): preHandlerAsyncHookHandler {
  return async function signupRateLimit(request) {
    const client = addressKey(request.ip);
    const waitMs = throttles.address.retryAfterMs(client);
    if (waitMs > 0) throw rateLimited(waitMs);
    reserved(throttles.address, client).count();
  };
}

/**
 * A recovery link's redemption (API and page) names no account until its link is judged, and may hash a new
 * password: every attempt draws on the per-address password budget, so guessing at links, or hashing
 * through them, is held to the rate of password guesses from one address.
 */
export async function throttledRecovery<T extends { ok: true }>(
  throttles: PasswordThrottles,
  ip: string,
  redeem: () => Promise<T | Refusal>,
): Promise<T | Refusal> {
  const client = addressKey(ip);
  const waitMs = throttles.address.retryAfterMs(client);
  if (waitMs > 0) throw rateLimited(waitMs);
  const attempt = reserved(throttles.address, client);
  try {
    return await redeem();
  } finally {
    attempt.count();
  }
}

export function rateLimited(waitMs: number): GatehouseError {
  return GatehouseError.from(rateLimitedRefusal(waitMs));
}
