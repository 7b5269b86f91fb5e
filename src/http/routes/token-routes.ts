import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { introspectSession } from "../../domain/sessions/session-introspection.ts";
import { tokenLifetimeDays, tokenNameMaxLength, tokenScopes } from "../../domain/tokens/api-token.ts";
import { createApiToken, listApiTokens, revokeApiToken } from "../../domain/tokens/token-admin.ts";
import { unwrap } from "../gatehouse-error.ts";
import {
  createdTokenPayload,
  introspectionPayload,
  revokedTokenPayload,
  tokenListPayload,
} from "../openapi/response-schemas.ts";
import { tokenParams, userParams } from "../query-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/**
 * API tokens (created, listed and revoked by people, with a session: no token can manage tokens) and
 * session introspection (for a token with `sessions:introspect`). docs/tokens.md.
 */
export function tokenRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.post(
    "/api/tokens",
    {
      schema: {
        body: z.strictObject({
          name: z.string().trim().min(1).max(tokenNameMaxLength),
          scopes: z.array(z.enum(tokenScopes)).min(1).max(tokenScopes.length),
          expiresInDays: z.number().int().min(1).max(tokenLifetimeDays.max).optional(),
        }),
        operationId: "createApiToken",
        summary: `Create an API token of your own (shown once; expires in ${tokenLifetimeDays.default} days unless asked, at most ${tokenLifetimeDays.max}); needs a recent password proof`,
        tags: ["tokens"],
        response: { 201: createdTokenPayload },
      },
      config: { refusals: ["REAUTH_REQUIRED", "USER_NOT_FOUND"] },
    },
    async (request, reply) => {
      const actor = requestActor(request);
      const ownerId = actor.type === "user" ? actor.user.id : "";
      const result = unwrap(await createApiToken(deps, actor, { ...request.body, ownerId }, requestMeta(request)));
      return reply
        .code(201)
        .header("Location", `/api/users/${encodeURIComponent(result.view.ownerId)}/tokens`)
        .header("Cache-Control", "no-store")
        .send({ token: result.token, apiToken: result.view });
    },
  );

  routes.get(
    "/api/tokens",
    {
      schema: {
        operationId: "listOwnApiTokens",
        summary: "Your API tokens, newest first (never their secrets)",
        tags: ["tokens"],
        response: { 200: tokenListPayload },
      },
    },
    async (request) => {
      const actor = requestActor(request);
      const ownerId = actor.type === "user" ? actor.user.id : "";
      return { tokens: unwrap(await listApiTokens(deps, actor, ownerId, requestMeta(request))).tokens };
    },
  );

  routes.get(
    "/api/users/:id/tokens",
    {
      schema: {
        operationId: "listUserApiTokens",
        summary: "A user's API tokens: your own, or those of a user ranked below you",
        tags: ["tokens"],
        params: userParams,
        response: { 200: tokenListPayload },
      },
      config: { refusals: ["USER_NOT_FOUND"] },
    },
    async (request) => ({
      tokens: unwrap(await listApiTokens(deps, requestActor(request), request.params.id, requestMeta(request))).tokens,
    }),
  );

  routes.delete(
    "/api/tokens/:id",
    {
      schema: {
        operationId: "revokeApiToken",
        summary: "Revoke an API token: your own, or one of a user ranked below you; its next request is refused",
        tags: ["tokens"],
        params: tokenParams,
        response: { 200: revokedTokenPayload },
      },
      config: { refusals: ["TOKEN_NOT_FOUND"] },
    },
    async (request) => ({
      revoked: unwrap(await revokeApiToken(deps, requestActor(request), request.params.id, requestMeta(request)))
        .revoked,
    }),
  );

  routes.post(
    "/api/sessions/introspect",
    {
      schema: {
        body: z.strictObject({ token: z.string().max(200) }),
        operationId: "introspectSession",
        summary:
          "Is this session token live? RFC 7662's answer: the user and session for a live session of an active user, else only `active: false`",
        tags: ["tokens"],
        response: { 200: introspectionPayload },
      },
      config: { tokenScope: "sessions:introspect" },
    },
    async (request, reply) => {
      const result = unwrap(
        await introspectSession(deps, requestActor(request), request.body.token, requestMeta(request)),
      );
      return reply.header("Cache-Control", "no-store").send(result.introspection);
    },
  );
}
