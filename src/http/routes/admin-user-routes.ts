import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createUserAsAdmin,
  getUser,
  listUserSessions,
  listUsers,
  restoreUser,
  revokeUserSessions,
  updateUserAsAdmin,
} from "../../domain/admin/user-admin.ts";
import { deleteUser } from "../../domain/deletion/delete-user.ts";
import { planDeletion } from "../../domain/deletion/deletion-plan.ts";
import { roles } from "../../domain/users/role.ts";
import { toPublicUser, userStatuses } from "../../domain/users/user.ts";
import { emailField, passwordField } from "../credential-fields.ts";
import { unwrap } from "../gatehouse-error.ts";
import {
  deletionPlanPayload,
  deletionReceipt,
  sessionsPayload,
  sessionsRevokedPayload,
  updatedUserPayload,
  userListPayload,
  userPayload,
} from "../openapi/response-schemas.ts";
import { decimalInteger, userListFilters, userParams } from "../query-schemas.ts";
import { removalText } from "../removal-text.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/** The user list's filters and its page size. */
const userListQuery = z.strictObject({ ...userListFilters, limit: decimalInteger(1, 100).default(50) });

/** The admin API over users. Same use cases as the admin pages and the CLI. */
export function adminUserRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get(
    "/api/users",
    {
      schema: {
        operationId: "listUsers",
        summary: "Users, newest first, filtered; cursor paging with `after`",
        tags: ["users"],
        querystring: userListQuery,
        response: { 200: userListPayload },
      },
      config: { tokenScope: "users:read" },
    },
    async (request) => {
      const result = unwrap(await listUsers(deps, requestActor(request), request.query, requestMeta(request)));
      return { users: result.users.map(toPublicUser), nextCursor: result.nextCursor };
    },
  );

  routes.post(
    "/api/users",
    {
      schema: {
        body: z.strictObject({
          email: emailField,
          password: passwordField,
          name: z.string().max(200).optional(),
          role: z.enum(roles).default("user"),
        }),
        operationId: "createUser",
        summary: "Create a user with a role below your own",
        tags: ["users"],
        response: { 201: userPayload },
      },
      config: { tokenScope: "users:write", refusals: ["EMAIL_TAKEN", "REAUTH_REQUIRED"] },
    },
    async (request, reply) => {
      const result = unwrap(await createUserAsAdmin(deps, requestActor(request), request.body, requestMeta(request)));
      return reply
        .code(201)
        .header("Location", `/api/users/${encodeURIComponent(result.user.id)}`)
        .send({ user: toPublicUser(result.user) });
    },
  );

  routes.get(
    "/api/users/:id",
    {
      schema: {
        operationId: "getUser",
        summary: "One user",
        tags: ["users"],
        params: userParams,
        response: { 200: userPayload },
      },
      config: { tokenScope: "users:read", refusals: ["USER_NOT_FOUND"] },
    },
    async (request) => {
      const result = unwrap(await getUser(deps, requestActor(request), request.params.id, requestMeta(request)));
      return { user: toPublicUser(result.user) };
    },
  );

  routes.patch(
    "/api/users/:id",
    {
      schema: {
        params: userParams,
        body: z
          .strictObject({
            name: z.string().max(200).optional(),
            role: z.enum(roles).optional(),
            status: z.enum(userStatuses).optional(),
          })
          .refine((patch) => Object.keys(patch).length > 0, "Name at least one of name, role, status."),
        operationId: "updateUser",
        summary: "Change a user's name, role or status; a role or status change ends their sessions",
        tags: ["users"],
        response: { 200: updatedUserPayload },
      },
      config: {
        tokenScope: "users:write",
        refusals: ["USER_NOT_FOUND", "SELF_ACTION_FORBIDDEN", "LAST_SUPERUSER", "REAUTH_REQUIRED", "DELETION_PENDING"],
      },
    },
    async (request) => {
      const result = unwrap(
        await updateUserAsAdmin(deps, requestActor(request), request.params.id, request.body, requestMeta(request)),
      );
      return {
        user: toPublicUser(result.user),
        sessionsRevoked: result.sessionsRevoked,
        tokensRevoked: result.tokensRevoked,
      };
    },
  );

  routes.delete(
    "/api/users/:id",
    {
      schema: {
        params: userParams,
        body: z.strictObject({ reason: z.string().max(500).optional() }).nullish(),
        operationId: "deleteUser",
        summary: "Delete a user: every session ends before the answer; erased now or after the grace period",
        tags: ["users"],
        response: { 200: deletionReceipt },
      },
      config: {
        tokenScope: "users:write",
        refusals: ["USER_NOT_FOUND", "SELF_ACTION_FORBIDDEN", "LAST_SUPERUSER", "REAUTH_REQUIRED"],
      },
    },
    async (request) => {
      const reason = request.body?.reason;
      const result = unwrap(
        await deleteUser(
          deps,
          requestActor(request),
          request.params.id,
          reason === undefined ? {} : { reason },
          requestMeta(request),
        ),
      );
      return result.receipt;
    },
  );

  routes.post(
    "/api/users/:id/restore",
    {
      schema: {
        operationId: "restoreUser",
        summary: "Undo a scheduled deletion during its grace period",
        tags: ["users"],
        params: userParams,
        response: { 200: userPayload },
      },
      config: {
        tokenScope: "users:write",
        refusals: ["USER_NOT_FOUND", "USER_NOT_RESTORABLE", "SELF_ACTION_FORBIDDEN", "REAUTH_REQUIRED"],
      },
    },
    async (request) => {
      const result = unwrap(await restoreUser(deps, requestActor(request), request.params.id, requestMeta(request)));
      return { user: toPublicUser(result.user) };
    },
  );

  routes.get(
    "/api/users/:id/sessions",
    {
      schema: {
        operationId: "listUserSessions",
        summary: "A user's live sessions",
        tags: ["users"],
        params: userParams,
        response: { 200: sessionsPayload },
      },
      config: { tokenScope: "users:read", refusals: ["USER_NOT_FOUND", "SELF_ACTION_FORBIDDEN"] },
    },
    async (request) => {
      const result = unwrap(
        await listUserSessions(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return { sessions: result.sessions };
    },
  );

  routes.delete(
    "/api/users/:id/sessions",
    {
      schema: {
        operationId: "revokeUserSessions",
        summary: "End every session of a user",
        tags: ["users"],
        params: userParams,
        response: { 200: sessionsRevokedPayload },
      },
      config: { tokenScope: "users:write", refusals: ["USER_NOT_FOUND", "SELF_ACTION_FORBIDDEN"] },
    },
    async (request) => {
      const result = unwrap(
        await revokeUserSessions(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return { sessionsRevoked: result.sessionsRevoked };
    },
  );

  routes.get(
    "/api/users/:id/deletion-plan",
    {
      schema: {
        operationId: "planUserDeletion",
        summary: "What deleting a user would do, or what stops it; changes nothing",
        tags: ["users"],
        params: userParams,
        response: { 200: deletionPlanPayload },
      },
      config: { tokenScope: "users:write", refusals: ["USER_NOT_FOUND", "REAUTH_REQUIRED"] },
    },
    async (request) => {
      const { ok: _ok, ...plan } = unwrap(
        await planDeletion(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return { ...plan, removes: plan.removes.map((removal) => removalText(removal, plan.mode)) };
    },
  );
}
