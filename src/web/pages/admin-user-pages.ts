import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../../domain/context.ts";
import { deleteUser } from "../../domain/delete-user.ts";
import { planDeletion } from "../../domain/deletion-plan.ts";
import { GatehouseError, type Refusal } from "../../domain/errors.ts";
import { roles } from "../../domain/role.ts";
import { userStatuses } from "../../domain/user.ts";
import {
  getUser,
  listUserSessions,
  listUsers,
  restoreUser,
  revokeUserSessions,
  updateUserAsAdmin,
} from "../../domain/user-admin.ts";
import { passwordField } from "../../http/credential-fields.ts";
import { userListFilters } from "../../http/query-schemas.ts";
import { authOf, requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly, formQuery } from "../form-schemas.ts";
import { pageContext, redirectWithNotice, refusalAlert, sendPage, statusOf } from "../page-support.ts";
import { deletePage, userPage, usersPage } from "./admin-user-views.ts";
import { stepUp } from "./step-up.ts";

const idParams = z.object({ id: z.string().min(1).max(200) });

/** The admin pages: the same use cases, guards and audit trail as the admin API. */
export function adminUserPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get(
    "/admin/users",
    {
      schema: {
        querystring: formQuery(userListFilters, { notice: z.string().max(40).optional() }),
      },
    },
    async (request, reply) => {
      const { notice: _notice, ...filters } = request.query;
      const query = { ...filters, limit: 25 };
      const result = await listUsers(deps, requestActor(request), query, requestMeta(request));
      if (!result.ok) throw GatehouseError.from(result);
      const page = pageContext(request, context);
      return sendPage(reply, page, { title: "Users" }, usersPage(filters, result.users, result.nextCursor));
    },
  );

  const showUser = async (request: FastifyRequest, id: string, reply: FastifyReply, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const found = await getUser(deps, actor, id, meta);
    if (!found.ok) throw GatehouseError.from(found);
    const sessions = await listUserSessions(deps, actor, id, meta);
    const alert = refusal === null ? null : refusalAlert(refusal);
    return sendPage(
      reply,
      page,
      { title: found.user.email, alert },
      userPage(page, found.user, sessions.ok ? sessions.sessions : null),
      refusal === null ? 200 : statusOf(refusal),
    );
  };

  routes.get("/admin/users/:id", { schema: { params: idParams } }, async (request, reply) =>
    showUser(request, request.params.id, reply, null),
  );

  routes.post(
    "/admin/users/:id/role",
    {
      schema: {
        params: idParams,
        body: csrfOnly.extend({ role: z.enum(roles), password: passwordField.optional() }),
      },
    },
    async (request, reply) => {
      const meta = requestMeta(request);
      const fresh = await stepUp(context, authOf(request), request.body.password, meta);
      const result = fresh.ok
        ? await updateUserAsAdmin(deps, actorOf(fresh.auth), request.params.id, { role: request.body.role }, meta)
        : fresh;
      if (!result.ok) return showUser(request, request.params.id, reply, result);
      return redirectWithNotice(reply, `/admin/users/${encodeURIComponent(request.params.id)}`, "user-updated");
    },
  );

  routes.post(
    "/admin/users/:id/status",
    {
      schema: {
        params: idParams,
        body: csrfOnly.extend({ status: z.enum(userStatuses), password: passwordField.optional() }),
      },
    },
    async (request, reply) => {
      const meta = requestMeta(request);
      // Disabling an administrator needs a fresh password proof; the form carries it when asked for.
      const fresh = await stepUp(context, authOf(request), request.body.password, meta);
      const patch = { status: request.body.status };
      const result = fresh.ok
        ? await updateUserAsAdmin(deps, actorOf(fresh.auth), request.params.id, patch, meta)
        : fresh;
      if (!result.ok) return showUser(request, request.params.id, reply, result);
      return redirectWithNotice(reply, `/admin/users/${encodeURIComponent(request.params.id)}`, "user-updated");
    },
  );

  routes.post(
    "/admin/users/:id/sessions/revoke",
    { schema: { params: idParams, body: csrfOnly } },
    async (request, reply) => {
      const result = await revokeUserSessions(deps, requestActor(request), request.params.id, requestMeta(request));
      if (!result.ok) return showUser(request, request.params.id, reply, result);
      return redirectWithNotice(
        reply,
        `/admin/users/${encodeURIComponent(request.params.id)}`,
        "user-sessions-revoked",
      );
    },
  );

  routes.post("/admin/users/:id/restore", { schema: { params: idParams, body: csrfOnly } }, async (request, reply) => {
    const result = await restoreUser(deps, requestActor(request), request.params.id, requestMeta(request));
    if (!result.ok) return showUser(request, request.params.id, reply, result);
    return redirectWithNotice(reply, `/admin/users/${encodeURIComponent(request.params.id)}`, "user-restored");
  });

  const showDeletePage = async (request: FastifyRequest, id: string, reply: FastifyReply, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const plan = await planDeletion(deps, actor, id, meta);
    if (!plan.ok) throw GatehouseError.from(plan);
    const user = await getUser(deps, actor, id, meta);
    if (!user.ok) throw GatehouseError.from(user);
    const alert = refusal === null ? null : refusalAlert(refusal);
    const status = refusal === null ? 200 : statusOf(refusal);
    return sendPage(
      reply,
      page,
      { title: `Delete ${user.user.email}`, alert },
      deletePage(page, user.user, plan),
      status,
    );
  };

  // GET shows the confirmation and changes nothing; only the POST below deletes.
  routes.get("/admin/users/:id/delete", { schema: { params: idParams } }, async (request, reply) =>
    showDeletePage(request, request.params.id, reply, null),
  );

  routes.post(
    "/admin/users/:id/delete",
    {
      schema: {
        params: idParams,
        body: csrfOnly.extend({ reason: z.string().max(500).optional(), password: passwordField.optional() }),
      },
    },
    async (request, reply) => {
      const meta = requestMeta(request);
      const fresh = await stepUp(context, authOf(request), request.body.password, meta);
      const reason = request.body.reason?.trim();
      const result = fresh.ok
        ? await deleteUser(deps, actorOf(fresh.auth), request.params.id, reason ? { reason } : {}, meta)
        : fresh;
      if (!result.ok) {
        if (result.code === "USER_NOT_FOUND" || result.code === "FORBIDDEN") throw GatehouseError.from(result);
        return showDeletePage(request, request.params.id, reply, result);
      }
      return redirectWithNotice(
        reply,
        "/admin/users",
        result.receipt.status === "deleted" ? "user-deleted" : "user-scheduled",
      );
    },
  );
}
