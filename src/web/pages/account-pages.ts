import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Refusal } from "../../domain/errors.ts";
import { listOwnSessions, revokeOtherSessions } from "../../domain/sessions/session-lifecycle.ts";
import { updateProfile } from "../../domain/users/accounts.ts";
import { ClientSession } from "../../http/client-session.ts";
import { passwordChangeFields, passwordField } from "../../http/credential-fields.ts";
import { sessionParams } from "../../http/query-schemas.ts";
import { authOf } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { selfDeletionWords } from "../deletion-words.ts";
import { csrfOnly } from "../form-schemas.ts";
import { html } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { pageContext, pageContextFor, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { sessionTable } from "./session-table.ts";

async function accountView(context: RouteContext, page: PageContext) {
  const auth = page.auth;
  if (auth === null) throw new Error("account page without a session");
  const sessions = await listOwnSessions(context.deps, auth);
  const user = auth.user;
  return html`<h1>My account</h1>
<section class="card" aria-labelledby="profile-title">
  <h2 id="profile-title">Profile</h2>
  <dl class="facts"><dt>E-mail</dt><dd>${user.email}</dd><dt>Role</dt><dd>${user.role}</dd></dl>
  <form method="post" action="${page.base}/account/profile">
    ${csrfField(page)}
    <label for="name">Name</label>
    <input id="name" name="name" type="text" autocomplete="name" value="${user.name}" maxlength="200">
    <button type="submit">Save profile</button>
  </form>
</section>
<section class="card" aria-labelledby="password-title">
  <h2 id="password-title">Change password</h2>
  <p class="hint">Every other device signed in to this account will be signed out.</p>
  <form method="post" action="${page.base}/account/password">
    ${csrfField(page)}
    <input type="text" name="username" autocomplete="username" value="${user.email}" hidden>
    <label for="current-password">Current password</label>
    <input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required>
    <label for="new-password">New password</label>
    <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
    <button type="submit">Change password</button>
  </form>
</section>
<section class="card" aria-labelledby="sessions-title">
  <h2 id="sessions-title">Where you are signed in</h2>
  ${sessionTable(
    sessions,
    (s) => html`<form method="post" action="${page.base}/account/sessions/${s.id}/revoke">${csrfField(page)}
      <button type="submit" class="inline secondary">Sign out${s.current ? " here" : " this device"}</button></form>`,
  )}
  <form method="post" action="${page.base}/account/sessions/revoke-others">${csrfField(page)}
    <button type="submit" class="secondary">Sign out everywhere else</button></form>
</section>
<section class="card" aria-labelledby="delete-title">
  <h2 id="delete-title">Delete my account</h2>
  <p>${selfDeletionWords(context.deps.deletionGraceMs, context.deps.clock.now())}</p>
  <a class="button danger" href="${page.base}/account/delete">Delete my account…</a>
</section>`;
}

function deleteConfirmation(page: PageContext, context: RouteContext) {
  return html`<h1>Delete my account</h1>
<form class="card" method="post" action="${page.base}/account/delete">
  ${csrfField(page)}
  <p>${selfDeletionWords(context.deps.deletionGraceMs, context.deps.clock.now())}</p>
  <label for="password">Your password, to confirm</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
  <div class="actions"><button type="submit" class="danger">Delete my account</button><a href="${page.base}/account">Cancel</a></div>
</form>`;
}

export function accountPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  const showAccount = async (page: PageContext, refusal: Refusal | null, reply: FastifyReply) =>
    sendFormPage(reply, page, { title: "My account" }, await accountView(context, page), refusal);

  routes.get("/account", async (request, reply) => showAccount(pageContext(request, context), null, reply));

  routes.post(
    "/account/profile",
    { schema: { body: csrfOnly.extend({ name: z.string().max(200) }) }, preHandler: context.accountActLimit },
    async (request, reply) => {
      await updateProfile(deps, authOf(request), { name: request.body.name }, requestMeta(request));
      return redirectWithNotice(reply, context, "/account", "profile-saved");
    },
  );

  routes.post(
    "/account/password",
    { schema: { body: csrfOnly.extend(passwordChangeFields) } },
    async (request, reply) => {
      const result = await new ClientSession(context, request, reply).changePassword(request.body);
      if (!result.ok) return showAccount(pageContext(request, context), result, reply);
      return redirectWithNotice(reply, context, "/account", "password-changed");
    },
  );

  routes.post(
    "/account/sessions/:sessionId/revoke",
    {
      schema: { params: sessionParams, body: csrfOnly },
      preHandler: context.accountActLimit,
    },
    async (request, reply) => {
      const result = await new ClientSession(context, request, reply).revokeSession(request.params.sessionId);
      if (!result.ok) return showAccount(pageContext(request, context), result, reply);
      if (!result.endedCurrent) return redirectWithNotice(reply, context, "/account", "session-revoked");
      return redirectWithNotice(reply, context, "/login", "signed-out");
    },
  );

  routes.post(
    "/account/sessions/revoke-others",
    { schema: { body: csrfOnly }, preHandler: context.accountActLimit },
    async (request, reply) => {
      await revokeOtherSessions(deps, authOf(request), requestMeta(request));
      return redirectWithNotice(reply, context, "/account", "others-revoked");
    },
  );

  routes.get("/account/delete", async (request, reply) => {
    const page = pageContext(request, context);
    return sendPage(reply, page, { title: "Delete my account", narrow: true }, deleteConfirmation(page, context));
  });

  routes.post(
    "/account/delete",
    { schema: { body: csrfOnly.extend({ password: passwordField }) } },
    async (request, reply) => {
      const client = new ClientSession(context, request, reply);
      const result = await client.deleteAccount({ password: request.body.password });
      if (!result.ok) {
        const page = pageContextFor(authOf(request), context);
        const options = { title: "Delete my account", narrow: true };
        return sendFormPage(reply, page, options, deleteConfirmation(page, context), result);
      }
      return redirectWithNotice(
        reply,
        context,
        "/login",
        deps.deletionGraceMs > 0 ? "account-scheduled" : "account-deleted",
      );
    },
  );
}
