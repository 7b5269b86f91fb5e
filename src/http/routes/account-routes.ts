import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOwnSessions, revokeOtherSessions } from "../../domain/sessions/session-lifecycle.ts";
import { updateProfile } from "../../domain/users/accounts.ts";
import { toPublicUser } from "../../domain/users/user.ts";
import { ClientSession } from "../client-session.ts";
import { passwordChangeFields, passwordField } from "../credential-fields.ts";
import { csrfTokenFor } from "../csrf-token.ts";
import { unwrap } from "../gatehouse-error.ts";
import { sessionParams } from "../query-schemas.ts";
import { authOf } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

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
    { schema: { body: z.strictObject(passwordChangeFields) } },
    async (request, reply) => {
      const result = unwrap(await new ClientSession(context, request, reply).changePassword(request.body));
      return {
        user: toPublicUser(authOf(request).user),
        csrfToken: csrfTokenFor(context.csrfKey, result.started.session.id),
        sessionsRevoked: result.sessionsRevoked,
      };
    },
  );

  // Self-deletion: the password again, or a re-authentication within the window.
  routes.delete(
    "/api/account",
    {
      schema: { body: z.strictObject({ password: passwordField.optional() }).nullish() },
    },
    async (request, reply) => {
      const password = request.body?.password;
      const client = new ClientSession(context, request, reply);
      const result = unwrap(await client.deleteAccount(password === undefined ? {} : { password }));
      return result.receipt;
    },
  );

  routes.get("/api/account/sessions", async (request) => ({
    sessions: await listOwnSessions(deps, authOf(request)),
  }));

  routes.delete(
    "/api/account/sessions/:sessionId",
    { schema: { params: sessionParams }, preHandler: context.accountActLimit },
    async (request, reply) => {
      unwrap(await new ClientSession(context, request, reply).revokeSession(request.params.sessionId));
      return reply.code(204).send();
    },
  );

  routes.post("/api/account/sessions/revoke-others", { preHandler: context.accountActLimit }, async (request) => ({
    sessionsRevoked: await revokeOtherSessions(deps, authOf(request), requestMeta(request)),
  }));
}
