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

  routes.get("/api/users", { schema: { querystring: userListQuery } }, async (request) => {
    const result = unwrap(await listUsers(deps, requestActor(request), request.query, requestMeta(request)));
    return { users: result.users.map(toPublicUser), nextCursor: result.nextCursor };
  });

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
      },
    },
    async (request, reply) => {
      const result = unwrap(await createUserAsAdmin(deps, requestActor(request), request.body, requestMeta(request)));
      return reply.code(201).send({ user: toPublicUser(result.user) });
    },
  );

  routes.get("/api/users/:id", { schema: { params: userParams } }, async (request) => {
    const result = unwrap(await getUser(deps, requestActor(request), request.params.id, requestMeta(request)));
    return { user: toPublicUser(result.user) };
  });

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
      },
    },
    async (request) => {
      const result = unwrap(
        await updateUserAsAdmin(deps, requestActor(request), request.params.id, request.body, requestMeta(request)),
      );
      return { user: toPublicUser(result.user), sessionsRevoked: result.sessionsRevoked };
    },
  );

  routes.delete(
    "/api/users/:id",
    {
      schema: {
        params: userParams,
        body: z.strictObject({ reason: z.string().max(500).optional() }).nullish(),
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

  routes.post("/api/users/:id/restore", { schema: { params: userParams } }, async (request) => {
    const result = unwrap(await restoreUser(deps, requestActor(request), request.params.id, requestMeta(request)));
    return { user: toPublicUser(result.user) };
  });

  routes.get("/api/users/:id/sessions", { schema: { params: userParams } }, async (request) => {
    const result = unwrap(await listUserSessions(deps, requestActor(request), request.params.id, requestMeta(request)));
    return { sessions: result.sessions };
  });

  routes.delete("/api/users/:id/sessions", { schema: { params: userParams } }, async (request) => {
    const result = unwrap(
      await revokeUserSessions(deps, requestActor(request), request.params.id, requestMeta(request)),
    );
    return { sessionsRevoked: result.sessionsRevoked };
  });

  routes.get("/api/users/:id/deletion-plan", { schema: { params: userParams } }, async (request) => {
    const { ok: _ok, ...plan } = unwrap(
      await planDeletion(deps, requestActor(request), request.params.id, requestMeta(request)),
    );
    return { ...plan, removes: plan.removes.map((removal) => removalText(removal, plan.mode)) };
  });
}
