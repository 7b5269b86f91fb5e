import type { preHandlerAsyncHookHandler } from "fastify";
import { normalizeEmail } from "../domain/users/email.ts";
import type { LoginThrottle } from "../domain/users/login-throttle.ts";
import { addressKey } from "../infra/client-address.ts";
import { rateLimited } from "./password-throttle.ts";
import type { RouteContext } from "./route-context.ts";

/**
 * @module
 * The budgets on what makes Gatehouse send e-mail (docs/recovery.md, "Limits"):
 * - per client address (IPv4, or IPv6 /64): "forgot password" requests a minute; past it 429 with
 *   Retry-After, for every address typed alike, so it tells nothing about any account;
 * - per recipient (the typed address's key, whether or not an account has it): messages an hour, whatever the
 *   kind; past it the answer is unchanged and nothing is sent, so nobody can flood a mailbox through us.
 *   Reserved for every request in the same synchronous step, with no early return: an unknown address and an
 *   account's cost the same.
 */
export interface MailThrottles {
  readonly perClient: LoginThrottle;
  readonly perRecipient: LoginThrottle;
}

export function mailRequestLimit(context: RouteContext): preHandlerAsyncHookHandler {
  return async function mailRequestLimit(request) {
    const client = addressKey(request.ip);
    const waitMs = context.mail.perClient.retryAfterMs(client);
    if (waitMs > 0) throw rateLimited(waitMs);
    context.mail.perClient.reserve(client)?.count();
  };
}

/** Whether the address may be sent one more message this hour; counts it either way it is asked. */
export function mailAllowed(context: RouteContext, email: string): boolean {
  const attempt = context.mail.perRecipient.reserve(normalizeEmail(email));
  attempt?.count();
  return attempt !== null;
}
