import { normalizeEmail } from "../../domain/email.ts";
import { GatehouseError, type Refusal } from "../../domain/errors.ts";
import type { RouteContext } from "./route-context.ts";

/**
 * Every route that checks a password counts wrong answers against the account, not only login: a thief
 * holding a session must not be able to guess its owner's password through re-authentication, password
 * change or self-deletion either. Past a limit the answer is 429 with Retry-After, before any hashing.
 *
 * Two counters, so the limit cannot be turned against the account's owner (ASVS 6.3.1): failures from one
 * address block that address only (a guesser on one machine never locks the owner out elsewhere), and a
 * far higher count across all addresses slows a distributed attack on the account.
 */
export async function throttledPasswordCheck<T extends { ok: true }>(
  context: RouteContext,
  email: string,
  ip: string,
  check: () => Promise<T | Refusal>,
): Promise<T | Refusal> {
  const account = normalizeEmail(email);
  const fromAddress = `${account}\n${ip}`;
  const waitMs = Math.max(
    context.throttles.accountFromAddress.retryAfterMs(fromAddress),
    context.throttles.account.retryAfterMs(account),
  );
  if (waitMs > 0) throw rateLimited(waitMs);
  const result = await check();
  if (!result.ok && (result.code === "WRONG_PASSWORD" || result.code === "INVALID_CREDENTIALS")) {
    context.throttles.accountFromAddress.recordFailure(fromAddress);
    context.throttles.account.recordFailure(account);
  } else if (result.ok) {
    context.throttles.accountFromAddress.recordSuccess(fromAddress);
  }
  return result;
}

export function rateLimited(waitMs: number): GatehouseError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatehouseError("RATE_LIMITED", `Try again in ${seconds} seconds.`, { "Retry-After": String(seconds) });
}
