import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
// The admin use cases by their module name: a page reads as `userAdmin.restoreUser(...)`, the act it runs.
import * as userAdmin from "../../domain/admin/user-admin.ts";
import { updateReasonMaxLength } from "../../domain/admin/user-admin.ts";
import { getUserWithControls } from "../../domain/admin/user-controls.ts";
import { deleteUser } from "../../domain/deletion/delete-user.ts";
import { planDeletion } from "../../domain/deletion/deletion-plan.ts";
import { type Refusal, refuse } from "../../domain/errors.ts";
import { issueRecoveryLink } from "../../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../../domain/recovery/recovery-link.ts";
import { listApiTokens } from "../../domain/tokens/token-admin.ts";
import { roles } from "../../domain/users/role.ts";
import { type UserStatus, userStatuses } from "../../domain/users/user.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { sessionParams, userParams } from "../../http/query-schemas.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly, formQuery } from "../form-schemas.ts";
import type { NoticeKey } from "../layout.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { adminUserListPages } from "./admin-user-list-pages.ts";
import {
  type UserNotice,
  userNoticeFields,
  userNoticeQuery,
  userNoticeText,
  verifiedNotice,
} from "./admin-user-notices.ts";
import { deletePage, statusPage, userPage } from "./admin-user-views.ts";
import { privatePage } from "./recovery-pages.ts";
import { createdRecoveryLinkPage } from "./recovery-views.ts";
import { stepUpForm, withStepUp } from "./step-up.ts";

/** A user's page: the notice of the act that led here, and that act's outcome (admin-user-notices.ts). */
const userPageQuery = formQuery({}, { notice: z.string().max(40).optional(), ...userNoticeFields });

/** The disable / enable confirmation: which way. */
const statusQuery = z.object({ to: z.enum(userStatuses) });

/** A reason as the form sends it: bounded here, its characters judged by the use case (readable-text.ts). */
const reasonField = z
  .string()
  .max(updateReasonMaxLength * 4)
  .optional();

const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** The admin pages: the same use cases, guards and audit trail as the admin API. */
export function adminUserPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  adminUserListPages(app, context);

  const showUser = async (
    request: FastifyRequest,
    id: string,
    reply: FastifyReply,
    refusal: Refusal | null,
    notice: UserNotice = {},
  ) => {
    const context0 = pageContext(request, context);
    const page = { ...context0, notice: userNoticeText(notice) ?? context0.notice };
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const found = unwrap(await getUserWithControls(deps, actor, id, meta));
    const sessions = await userAdmin.listUserSessions(deps, actor, id, meta);
    // Shown to the user themselves and to a viewer ranked above them; the use case says which (and audits a no).
    const tokens = await listApiTokens(deps, actor, id, meta);
    const view = userPage(
      page,
      found.user,
      found.lastLoginAt,
      found.controls,
      sessions.ok ? sessions.sessions : null,
      tokens.ok ? tokens.tokens : null,
    );
    return sendFormPage(reply, page, { title: found.user.email }, view, refusal);
  };

  /** After an act from the user's page: back to it saying what happened, or the page again with the refusal. */
  const answerOnUserPage = async <T extends { ok: true }>(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    result: T | Refusal,
    notice: NoticeKey,
    outcome: (done: T) => UserNotice = () => ({}),
  ) => {
    if (!result.ok) return showUser(request, id, reply, result);
    const query = userNoticeQuery(outcome(result), context.csrfKey, id);
    return redirectWithNotice(reply, context, `${userPath(id)}${query === "" ? "" : `?${query}`}`, notice);
  };

  routes.get(
    "/admin/users/:id",
    { schema: { params: userParams, querystring: userPageQuery } },
    async (request, reply) =>
      showUser(
        request,
        request.params.id,
        reply,
        null,
        verifiedNotice(request.query, context.csrfKey, request.params.id),
      ),
  );

  routes.post(
    "/admin/users/:id/role",
    { schema: { params: userParams, body: stepUpForm.extend({ role: z.enum(roles) }) } },
    async (request, reply) => {
      const { id } = request.params;
      const before = unwrap(await userAdmin.getUser(deps, requestActor(request), id, requestMeta(request)));
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        userAdmin.updateUserAsAdmin(deps, actor, id, { role: request.body.role }, meta),
      );
      return answerOnUserPage(request, reply, id, result, "user-updated", (done) =>
        done.user.role === before.user.role
          ? {}
          : { done: "role", from: before.user.role, to: done.user.role, sessions: done.sessionsRevoked },
      );
    },
  );

  const showStatusPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    to: UserStatus,
    reason: string,
    refusal: Refusal | null,
  ) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const found = unwrap(await getUserWithControls(deps, actor, id, meta));
    const control = to === "disabled" ? found.controls.disable : found.controls.enable;
    if (control === "n/a") {
      throw GatehouseError.from(
        refuse("VALIDATION_FAILED", `The account is not ${to === "disabled" ? "active" : "disabled"}.`),
      );
    }
    if (control !== null) throw GatehouseError.from(control);
    const sessions = unwrap(await userAdmin.listUserSessions(deps, actor, id, meta));
    const tokens = await listApiTokens(deps, actor, id, meta);
    const counts = { sessions: sessions.sessions.length, tokens: tokens.ok ? tokens.tokens.length : 0 };
    const title = `${to === "disabled" ? "Disable" : "Enable"} ${found.user.email}`;
    return sendFormPage(reply, page, { title }, statusPage(page, found.user, to, counts, { reason }), refusal);
  };

  // GET shows the confirmation and changes nothing; only the POST below disables or enables.
  routes.get(
    "/admin/users/:id/status",
    { schema: { params: userParams, querystring: statusQuery } },
    async (request, reply) => showStatusPage(request, reply, request.params.id, request.query.to, "", null),
  );

  routes.post(
    "/admin/users/:id/status",
    { schema: { params: userParams, body: stepUpForm.extend({ status: z.enum(userStatuses), reason: reasonField }) } },
    // Disabling or enabling an administrator needs a fresh password proof; the form carries it when asked for.
    async (request, reply) => {
      const { id } = request.params;
      const { status, password } = request.body;
      const reason = request.body.reason ?? "";
      const result = await withStepUp(context, request, password, (actor, meta) =>
        userAdmin.updateUserAsAdmin(deps, actor, id, { status, ...(reason.trim() === "" ? {} : { reason }) }, meta),
      );
      // Refused (the step-up prompt among others): the confirmation again, with what the admin typed.
      if (!result.ok) {
        if (result.code === "USER_NOT_FOUND" || result.code === "FORBIDDEN") throw GatehouseError.from(result);
        return showStatusPage(request, reply, id, status, reason, result);
      }
      return answerOnUserPage(request, reply, id, result, "user-updated", (done) =>
        status === "disabled"
          ? { done: "disabled", sessions: done.sessionsRevoked, tokens: done.tokensRevoked }
          : { done: "enabled" },
      );
    },
  );

  routes.post(
    "/admin/users/:id/sessions/revoke",
    { schema: { params: userParams, body: csrfOnly } },
    async (request, reply) => {
      const { id } = request.params;
      const result = await userAdmin.revokeUserSessions(deps, requestActor(request), id, requestMeta(request));
      return answerOnUserPage(request, reply, id, result, "user-sessions-revoked", (done) => ({
        done: "sessions",
        sessions: done.sessionsRevoked,
      }));
    },
  );

  routes.post(
    "/admin/users/:id/sessions/:sessionId/revoke",
    { schema: { params: userParams.extend(sessionParams.shape), body: csrfOnly } },
    async (request, reply) => {
      const { id, sessionId } = request.params;
      const result = await userAdmin.revokeUserSession(
        deps,
        requestActor(request),
        id,
        sessionId,
        requestMeta(request),
      );
      return answerOnUserPage(request, reply, id, result, "user-sessions-revoked", () => ({ done: "session" }));
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
      return answerOnUserPage(request, reply, id, result, "user-restored", () => ({ done: "restored" }));
    },
  );

  const showDeletePage = async (
    request: FastifyRequest,
    id: string,
    reply: FastifyReply,
    refusal: Refusal | null,
    reason = "",
  ) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const plan = unwrap(await planDeletion(deps, actor, id, meta));
    const user = unwrap(await userAdmin.getUser(deps, actor, id, meta));
    return sendFormPage(
      reply,
      page,
      { title: `Delete ${user.user.email}` },
      deletePage(page, user.user, plan, reason),
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
        return showDeletePage(request, request.params.id, reply, result, request.body.reason ?? "");
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
