import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { changePassword, updateProfile } from "../../domain/accounts.ts";
import { deleteOwnAccount } from "../../domain/delete-user.ts";
import { GatehouseError } from "../../domain/errors.ts";
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from "../../domain/sessions.ts";
import { toPublicUser } from "../../domain/user.ts";
import { passwordField } from "../credential-fields.ts";
import { csrfTokenFor } from "../csrf-token.ts";
import { throttledPasswordCheck } from "../password-throttle.ts";
import { authOf } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";
import { endClientSession, setSessionCookie } from "../session-cookie.ts";

/** The signed-in user's own account. Every lookup is scoped to the caller: no route takes a user id. */
export function accountRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get("/api/account", async (request) => ({ user: toPublicUser(authOf(request).user) }));

  // Only the name is writable here: role, status, e-mail or id in the body are refused, not ignored.
  routes.patch(
    "/api/account",
    { schema: { body: z.strictObject({ name: z.string().max(200) }) }, preHandler: context.accountActLimit },
    async (request) => {
      const user = await updateProfile(deps, authOf(request), request.body, requestMeta(request));
      return { user: toPublicUser(user) };
    },
  );

  routes.post(
    "/api/account/password",
    {
      schema: { body: z.strictObject({ currentPassword: passwordField, newPassword: passwordField }) },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const result = await throttledPasswordCheck(context, auth.user.email, request.ip, () =>
        changePassword(deps, auth, request.body, requestMeta(request)),
      );
      if (!result.ok) throw GatehouseError.from(result);
      setSessionCookie(reply, context.cookie, result.started.token);
      return {
        user: toPublicUser(authOf(request).user),
        csrfToken: csrfTokenFor(context.csrfKey, result.started.session.id),
        sessionsRevoked: result.sessionsRevoked,
      };
    },
  );

  // Self-deletion: the password again (or a re-authentication within the window); every session of the
  // account dies with it, and this client is told to drop its cookies, storage and cache.
  routes.delete(
    "/api/account",
    {
      schema: { body: z.strictObject({ password: passwordField.optional() }).nullish() },
    },
    async (request, reply) => {
      const password = request.body?.password;
      const auth = authOf(request);
      const result = await throttledPasswordCheck(context, auth.user.email, request.ip, () =>
        deleteOwnAccount(deps, auth, password === undefined ? {} : { password }, requestMeta(request)),
      );
      if (!result.ok) throw GatehouseError.from(result);
      endClientSession(reply, context.cookie);
      return result.receipt;
    },
  );

  routes.get("/api/account/sessions", async (request) => ({
    sessions: await listOwnSessions(deps, authOf(request)),
  }));

  routes.delete(
    "/api/account/sessions/:sessionId",
    { schema: { params: z.object({ sessionId: z.string().max(64) }) }, preHandler: context.accountActLimit },
    async (request, reply) => {
      const result = await revokeOwnSession(deps, authOf(request), request.params.sessionId, requestMeta(request));
      if (!result.ok) throw GatehouseError.from(result);
      if (result.endedCurrent) endClientSession(reply, context.cookie);
      return reply.code(204).send();
    },
  );

  routes.post("/api/account/sessions/revoke-others", { preHandler: context.accountActLimit }, async (request) => ({
    sessionsRevoked: await revokeOtherSessions(deps, authOf(request), requestMeta(request)),
  }));
}
