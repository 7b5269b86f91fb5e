import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { needsStepUp } from "../../domain/admin/admin-act.ts";
import { type BulkAct, bulkActs, maxBulkSelection, planBulkAct, runBulkAct } from "../../domain/admin/bulk-users.ts";
import { createUserAsAdmin, updateReasonMaxLength } from "../../domain/admin/user-admin.ts";
import { grantableRoles } from "../../domain/admin/user-controls.ts";
import { listUserPage } from "../../domain/admin/user-list.ts";
import { type Refusal, refuse } from "../../domain/errors.ts";
import { userListStates, userSortKeys } from "../../domain/ports.ts";
import { issueRecoveryLink } from "../../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../../domain/recovery/recovery-link.ts";
import { roles } from "../../domain/users/role.ts";
import { emailField, passwordField } from "../../http/credential-fields.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { userCursor } from "../../http/query-schemas.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { formQuery } from "../form-schemas.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { bulkPlanPage, bulkResultPage } from "./admin-user-bulk-views.ts";
import { type UserListView, usersListPage } from "./admin-user-list-views.ts";
import { blankNewUser, type NewUserValues, newUserPage } from "./admin-user-new-views.ts";
import { privatePage } from "./recovery-pages.ts";
import { createdRecoveryLinkPage } from "./recovery-views.ts";
import { stepUpForm, withStepUp } from "./step-up.ts";

const pageSize = 25;

/** The list's query: filters and order (blank = not given), a cursor either way, the notice of an act. */
const listQuery = formQuery(
  {
    search: z.string().max(200).optional(),
    role: z.enum(roles).optional(),
    state: z.enum(userListStates).optional(),
    sort: z.enum(userSortKeys).optional(),
    dir: z.enum(["asc", "desc"]).optional(),
    // The filter form sends no cursor, but a link may be edited to an empty one: the first page, as before.
    after: userCursor.optional(),
    before: userCursor.optional(),
  },
  { notice: z.string().max(40).optional() },
);

/**
 * A selection: one id or several (a form repeats `id`), each a user id as this server writes them, at most a
 * page of them. Anything else is a 400 before any use case runs.
 */
const selection = z
  .union([userCursor, z.array(userCursor).min(1).max(maxBulkSelection)])
  .transform((ids) => (typeof ids === "string" ? [ids] : ids));

const bulkQuery = z.object({ act: z.enum(bulkActs), id: selection });
const bulkBody = stepUpForm.extend({
  act: z.enum(bulkActs),
  id: selection,
  reason: z
    .string()
    .max(updateReasonMaxLength * 4)
    .optional(),
});

const newUserBody = stepUpForm.extend({
  email: emailField,
  name: z.string().max(800).optional(),
  role: z.enum(roles),
  access: z.enum(["password", "link"]),
  newPassword: passwordField.optional(),
});

/** The users list, "Add user" and the bulk acts: the same use cases, guards and audit trail as the API. */
export function adminUserListPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.get("/admin/users", { schema: { querystring: listQuery } }, async (request, reply) => {
    const { search, role, state, after, before } = request.query;
    if (after !== undefined && before !== undefined) {
      throw GatehouseError.from(refuse("VALIDATION_FAILED", "A page starts after one user or before one, not both."));
    }
    const sort = request.query.sort ?? "created";
    const dir = request.query.dir ?? (sort === "email" ? "asc" : "desc");
    const cursor = after ?? before;
    const query = {
      ...(search === undefined ? {} : { search }),
      ...(role === undefined ? {} : { role }),
      ...(state === undefined ? {} : { state }),
      sort,
      descending: dir === "desc",
      ...(cursor === undefined
        ? {}
        : { from: { id: cursor, direction: after === undefined ? "before" : "after" } as const }),
      limit: pageSize,
    };
    const actor = requestActor(request);
    const list = unwrap(await listUserPage(deps, actor, query, requestMeta(request)));
    const page = pageContext(request, context);
    const view: UserListView = { search, role, state, sort, dir };
    const canCreate = grantableRoles(actor).length > 0;
    return sendPage(reply, page, { title: "Users" }, usersListPage(page, view, list, canCreate));
  });

  const showNewUser = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: NewUserValues,
    refusal: Refusal | null,
  ) => {
    const page = pageContext(request, context);
    const offered = grantableRoles(requestActor(request));
    if (offered.length === 0) throw GatehouseError.from(refuse("FORBIDDEN"));
    return sendFormPage(reply, page, { title: "Add user" }, newUserPage(page, offered, values), refusal);
  };

  routes.get("/admin/users/new", async (request, reply) => showNewUser(request, reply, blankNewUser, null));

  routes.post("/admin/users/new", { schema: { body: newUserBody } }, async (request, reply) => {
    const { email, role, access, password } = request.body;
    const name = request.body.name ?? "";
    const values: NewUserValues = { email, name, role, access };
    const newPassword = access === "password" ? (request.body.newPassword ?? "") : null;
    if (newPassword === "") {
      return showNewUser(request, reply, values, refuse("VALIDATION_FAILED", "Type the password you set for them."));
    }
    const result = await withStepUp(context, request, password, async (actor, meta) => {
      // A recovery link always needs a fresh proof: asked before the account exists, not after.
      if (access === "link" && needsStepUp(deps, actor)) return refuse("REAUTH_REQUIRED");
      const created = await createUserAsAdmin(deps, actor, { email, name, role, password: newPassword }, meta);
      if (!created.ok || access === "password") return created;
      const link = await issueRecoveryLink(deps, actor, created.user.id, meta);
      return { ok: true as const, user: created.user, link };
    });
    // Refused, the step-up prompt included: the form again with what the admin typed (never a password).
    if (!result.ok) return showNewUser(request, reply, values, result);
    const userPath = `/admin/users/${encodeURIComponent(result.user.id)}`;
    if (!("link" in result) || !result.link.ok) return redirectWithNotice(reply, context, userPath, "user-created");
    // The link is this POST's own answer (no-store), shown once, as on the user's page.
    const page = { ...pageContext(request, context), notice: `${result.user.email} is created.` };
    const url = recoveryUrl(context.publicUrl, result.link.link);
    const view = createdRecoveryLinkPage(page, result.user, url, result.link.expiresAt);
    return sendPage(reply.headers(privatePage), page, { title: "Recovery link" }, view);
  });

  const showPlan = async (
    request: FastifyRequest,
    reply: FastifyReply,
    act: BulkAct,
    ids: readonly string[],
    reason: string,
    refusal: Refusal | null,
  ) => {
    const page = pageContext(request, context);
    const plan = unwrap(await planBulkAct(deps, requestActor(request), act, ids, requestMeta(request)));
    return sendFormPage(reply, page, { title: "Confirm" }, bulkPlanPage(page, plan, { reason }), refusal);
  };

  // GET shows the plan per user and changes nothing; only the POST below acts.
  routes.get("/admin/users/bulk", { schema: { querystring: bulkQuery } }, async (request, reply) =>
    showPlan(request, reply, request.query.act, request.query.id, "", null),
  );

  routes.post("/admin/users/bulk", { schema: { body: bulkBody } }, async (request, reply) => {
    const { act, id: ids, password } = request.body;
    const reason = request.body.reason ?? "";
    const options = reason.trim() === "" || act === "end-sessions" ? {} : { reason };
    // One step-up for the batch; then each user through the one use case for the act.
    const result = await withStepUp(context, request, password, (actor, meta) =>
      runBulkAct(deps, actor, act, ids, options, meta),
    );
    if (!result.ok) {
      if (result.code === "FORBIDDEN" || result.code === "INSUFFICIENT_SCOPE") throw GatehouseError.from(result);
      return showPlan(request, reply, act, ids, reason, result);
    }
    const page = pageContext(request, context);
    return sendPage(reply, page, { title: "Done" }, bulkResultPage(page, act, result.results));
  });
}
