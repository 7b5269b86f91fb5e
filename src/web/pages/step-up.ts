import type { FastifyRequest } from "fastify";
import { type Actor, type Authenticated, actorOf, type RequestMeta } from "../../domain/actor.ts";
import type { Refusal } from "../../domain/errors.ts";
import { reauthenticate } from "../../domain/sessions/session-lifecycle.ts";
import { passwordField } from "../../http/credential-fields.ts";
import { throttledPasswordCheck } from "../../http/password-throttle.ts";
import { authOf } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly } from "../form-schemas.ts";

/** A form for a sensitive act: its token, and the admin's password when the act needs a fresh proof. */
export const stepUpForm = csrfOnly.extend({ password: passwordField.optional() });

/**
 * Forms for sensitive acts carry the admin's password: when given, it re-authenticates the session first
 * (the same use case as POST /api/auth/reauthenticate), so the act that follows sees a fresh proof. The
 * act itself decides whether it needed one; a wrong password is refused before the act runs.
 */
export async function withStepUp<T extends { ok: true }>(
  context: RouteContext,
  request: FastifyRequest,
  password: string | undefined,
  act: (actor: Actor, meta: RequestMeta) => Promise<T | Refusal>,
): Promise<T | Refusal> {
  const meta = requestMeta(request);
  const fresh = await stepUp(context, authOf(request), password, meta);
  return fresh.ok ? act(actorOf(fresh.auth), meta) : fresh;
}

async function stepUp(
  context: RouteContext,
  auth: Authenticated,
  password: string | undefined,
  meta: RequestMeta,
): Promise<{ ok: true; auth: Authenticated } | Refusal> {
  const { deps } = context;
  if (password === undefined || password === "") return { ok: true, auth };
  const result = await throttledPasswordCheck(context, auth.user.email, meta.ip, () =>
    reauthenticate(deps, auth, password, meta),
  );
  if (!result.ok) return result;
  return { ok: true, auth: { ...auth, session: { ...auth.session, authenticatedAt: deps.clock.now() } } };
}
