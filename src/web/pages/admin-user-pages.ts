import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
// The admin use cases by their module name: a page reads as `userAdmin.restoreUser(...)`, the act it runs.
import * as userAdmin from "../../domain/admin/user-admin.ts";
import { deleteUser } from "../../domain/deletion/delete-user.ts";
import { planDeletion } from "../../domain/deletion/deletion-plan.ts";
import type { Refusal } from "../../domain/errors.ts";
import { issueRecoveryLink } from "../../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../../domain/recovery/recovery-link.ts";
import { listApiTokens } from "../../domain/tokens/token-admin.ts";
import { roles } from "../../domain/users/role.ts";
import { userStatuses } from "../../domain/users/user.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { userListFilters, userParams } from "../../http/query-schemas.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly, formQuery } from "../form-schemas.ts";
import type { NoticeKey } from "../layout.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { deletePage, userPage, usersPage } from "./admin-user-views.ts";
import { privatePage } from "./recovery-pages.ts";
import { createdRecoveryLinkPage } from "./recovery-views.ts";
import { stepUpForm, withStepUp } from "./step-up.ts";

/** The filter form's query, and the notice of the act that led here. */
const userListQuery = formQuery(userListFilters, { notice: z.string().max(40).optional() });

const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** The admin pages: the same use cases, guards and audit trail as the admin API. */
export function adminUserPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get("/admin/users", { schema: { querystring: userListQuery } }, async (request, reply) => {
    const { notice: _notice, ...filters } = request.query;
    const query = { ...filters, limit: 25 };
    const result = unwrap(await userAdmin.listUsers(deps, requestActor(request), query, requestMeta(request)));
    const page = pageContext(request, context);
    return sendPage(reply, page, { title: "Users" }, usersPage(page, filters, result.users, result.nextCursor));
  });

  const showUser = async (request: FastifyRequest, id: string, reply: FastifyReply, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const found = unwrap(await userAdmin.getUser(deps, actor, id, meta));
    const sessions = await userAdmin.listUserSessions(deps, actor, id, meta);
    // Shown to the user themselves and to a viewer ranked above them; the use case says which (and audits a no).
    const tokens = await listApiTokens(deps, actor, id, meta);
    const view = userPage(page, found.user, sessions.ok ? sessions.sessions : null, tokens.ok ? tokens.tokens : null);
    return sendFormPage(reply, page, { title: found.user.email }, view, refusal);
  };

  /** After an act from the user's page: back to it with the notice, or the page again with the refusal. */
  const answerOnUserPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    result: { ok: true } | Refusal,
    notice: NoticeKey,
  ) => (result.ok ? redirectWithNotice(reply, context, userPath(id), notice) : showUser(request, id, reply, result));

  /** A role or a status change: the act of PATCH /api/users/:id, after the step-up the form may carry. */
  const updateFromUserPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    password: string | undefined,
    patch: userAdmin.AdminUserPatch,
  ) => {
    const result = await withStepUp(context, request, password, (actor, meta) =>
      userAdmin.updateUserAsAdmin(deps, actor, id, patch, meta),
    );
    return answerOnUserPage(request, reply, id, result, "user-updated");
  };

  routes.get("/admin/users/:id", { schema: { params: userParams } }, async (request, reply) =>
    showUser(request, request.params.id, reply, null),
  );

  routes.post(
    "/admin/users/:id/role",
    { schema: { params: userParams, body: stepUpForm.extend({ role: z.enum(roles) }) } },
    async (request, reply) =>
      updateFromUserPage(request, reply, request.params.id, request.body.password, { role: request.body.role }),
  );

  routes.post(
    "/admin/users/:id/status",
    { schema: { params: userParams, body: stepUpForm.extend({ status: z.enum(userStatuses) }) } },
    // Disabling or enabling an administrator needs a fresh password proof; the form carries it when asked for.
    async (request, reply) =>
      updateFromUserPage(request, reply, request.params.id, request.body.password, { status: request.body.status }),
  );

  routes.post(
    "/admin/users/:id/sessions/revoke",
    { schema: { params: userParams, body: csrfOnly } },
    async (request, reply) => {
      const { id } = request.params;
      const result = await userAdmin.revokeUserSessions(deps, requestActor(request), id, requestMeta(request));
      return answerOnUserPage(request, reply, id, result, "user-sessions-revoked");
    },
  );

  routes.post(
    "/admin/users/:id/recovery-link",
    { schema: { params: userParams, body: stepUpForm } },
    // The act of POST /api/users/:id/recovery-link, after the step-up the form carries. The link is this
    // POST's own answer (no-store), shown once: never a redirect, a URL of ours or a stored notice.
    async (request, reply) => {
      const { id } = request.params;
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        issueRecoveryLink(deps, actor, id, meta),
      );
      if (!result.ok) return showUser(request, id, reply, result);
      const found = unwrap(await userAdmin.getUser(deps, requestActor(request), id, requestMeta(request)));
      const page = { ...pageContext(request, context), notice: null };
      const url = recoveryUrl(context.publicUrl, result.link);
      const view = createdRecoveryLinkPage(page, found.user, url, result.expiresAt);
      return sendPage(reply.headers(privatePage), page, { title: "Recovery link" }, view);
    },
  );

  routes.post(
    "/admin/users/:id/restore",
    { schema: { params: userParams, body: stepUpForm } },
    // Restoring an administrator needs a fresh password proof; the form carries it when asked for.
    async (request, reply) => {
      const { id } = request.params;
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        userAdmin.restoreUser(deps, actor, id, meta),
      );
      return answerOnUserPage(request, reply, id, result, "user-restored");
    },
  );

  const showDeletePage = async (request: FastifyRequest, id: string, reply: FastifyReply, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const plan = unwrap(await planDeletion(deps, actor, id, meta));
    const user = unwrap(await userAdmin.getUser(deps, actor, id, meta));
    return sendFormPage(
      reply,
      page,
      { title: `Delete ${user.user.email}` },
      deletePage(page, user.user, plan),
      refusal,
    );
  };

  // GET shows the confirmation and changes nothing; only the POST below deletes.
  routes.get("/admin/users/:id/delete", { schema: { params: userParams } }, async (request, reply) =>
    showDeletePage(request, request.params.id, reply, null),
  );

  routes.post(
    "/admin/users/:id/delete",
    {
      schema: {
        params: userParams,
        body: stepUpForm.extend({ reason: z.string().max(500).optional() }),
      },
    },
    async (request, reply) => {
      const reason = request.body.reason?.trim();
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        deleteUser(deps, actor, request.params.id, reason ? { reason } : {}, meta),
      );
      if (!result.ok) {
        if (result.code === "USER_NOT_FOUND" || result.code === "FORBIDDEN") throw GatehouseError.from(result);
        return showDeletePage(request, request.params.id, reply, result);
      }
      return redirectWithNotice(
        reply,
        context,
        "/admin/users",
        result.receipt.status === "deleted" ? "user-deleted" : "user-scheduled",
      );
    },
  );
}
