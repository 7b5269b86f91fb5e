import type { Authenticated, RequestMeta } from "../../domain/context.ts";
import type { Refusal } from "../../domain/errors.ts";
import { reauthenticate } from "../../domain/sessions.ts";
import { throttledPasswordCheck } from "../../http/password-throttle.ts";
import type { RouteContext } from "../../http/route-context.ts";

/**
 * Forms for sensitive acts carry the admin's password: when given, it re-authenticates the session first
 * (the same use case as POST /api/auth/reauthenticate), so the act that follows sees a fresh proof.
 */
export async function stepUp(
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
