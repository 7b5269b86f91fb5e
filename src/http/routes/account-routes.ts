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
import {
  deletionReceipt,
  noContent,
  passwordChangedPayload,
  sessionsPayload,
  sessionsRevokedPayload,
  userPayload,
} from "../openapi/response-schemas.ts";
import { sessionParams } from "../query-schemas.ts";
import { authOf } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/** The signed-in user's own account. Every lookup is scoped to the caller: no route takes a user id. */
export function accountRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get(
    "/api/account",
    {
      schema: {
        operationId: "getAccount",
        summary: "Your own profile",
        tags: ["account"],
        response: { 200: userPayload },
      },
    },
    async (request) => ({ user: toPublicUser(authOf(request).user) }),
  );

  // Only the name is writable here: role, status, e-mail or id in the body are refused, not ignored.
  routes.patch(
    "/api/account",
    {
      schema: {
        operationId: "updateAccount",
        summary: "Change your own name (the only field you may change here)",
        tags: ["account"],
        body: z.strictObject({ name: z.string().max(200) }),
        response: { 200: userPayload },
      },
      config: { refusals: ["RATE_LIMITED"], answerHeaders: ["RateLimit"] },
      preHandler: context.accountActLimit,
    },
    async (request) => {
      const user = await updateProfile(deps, authOf(request), request.body, requestMeta(request));
      return { user: toPublicUser(user) };
    },
  );

  routes.post(
    "/api/account/password",
    {
      schema: {
        operationId: "changePassword",
        summary: "Change your password: every other session ends, this one is rotated",
        tags: ["account"],
        body: z.strictObject(passwordChangeFields),
        response: { 200: passwordChangedPayload },
      },
      config: { refusals: ["WRONG_PASSWORD", "RATE_LIMITED"], answerHeaders: ["Set-Cookie"] },
    },
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
      schema: {
        operationId: "deleteAccount",
        summary: "Delete your own account: the password again, or a recent re-authentication",
        tags: ["account"],
        body: z.strictObject({ password: passwordField.optional() }).nullish(),
        response: { 200: deletionReceipt },
      },
      config: {
        refusals: ["WRONG_PASSWORD", "REAUTH_REQUIRED", "LAST_SUPERUSER", "RATE_LIMITED"],
        answerHeaders: ["Clear-Site-Data"],
      },
    },
    async (request, reply) => {
      const password = request.body?.password;
      const client = new ClientSession(context, request, reply);
      const result = unwrap(await client.deleteAccount(password === undefined ? {} : { password }));
      return result.receipt;
    },
  );

  routes.get(
    "/api/account/sessions",
    {
      schema: {
        operationId: "listOwnSessions",
        summary: "Your live sessions (never their tokens)",
        tags: ["account"],
        response: { 200: sessionsPayload },
      },
    },
    async (request) => ({ sessions: await listOwnSessions(deps, authOf(request)) }),
  );

  routes.delete(
    "/api/account/sessions/:sessionId",
    {
      schema: {
        operationId: "revokeOwnSession",
        summary: "End one of your sessions (anyone else's answers 404)",
        tags: ["account"],
        params: sessionParams,
        response: { 204: noContent },
      },
      config: { refusals: ["SESSION_NOT_FOUND", "RATE_LIMITED"], answerHeaders: ["RateLimit"] },
      preHandler: context.accountActLimit,
    },
    async (request, reply) => {
      unwrap(await new ClientSession(context, request, reply).revokeSession(request.params.sessionId));
      return reply.code(204).send(null);
    },
  );

  routes.post(
    "/api/account/sessions/revoke-others",
    {
      schema: {
        operationId: "revokeOtherSessions",
        summary: "End every session of yours but this one",
        tags: ["account"],
        response: { 200: sessionsRevokedPayload },
      },
      config: { refusals: ["RATE_LIMITED"], answerHeaders: ["RateLimit"] },
      preHandler: context.accountActLimit,
    },
    async (request) => ({ sessionsRevoked: await revokeOtherSessions(deps, authOf(request), requestMeta(request)) }),
  );
}
