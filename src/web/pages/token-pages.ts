import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Refusal } from "../../domain/errors.ts";
import { readableTokenName, type TokenScope, tokenNameMaxLength, tokenScopes } from "../../domain/tokens/api-token.ts";
import {
  createApiToken,
  getApiToken,
  listApiTokens,
  revokeApiToken,
  scopesHeldBy,
} from "../../domain/tokens/token-admin.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { tokenParams } from "../../http/query-schemas.ts";
import { authOf, requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly } from "../form-schemas.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { stepUpForm, withStepUp } from "./step-up.ts";
import { createdTokenPage, emptyTokenForm, revokeTokenPage, type TokenFormValues, tokensPage } from "./token-views.ts";

const scopeField = z.enum(tokenScopes);

/**
 * The creation form as a browser sends it: one checkbox checked is a string, several an array, none absent;
 * an empty expiry means the default. The use case checks the rest (name rules, lifetime, scopes held).
 */
const tokenForm = stepUpForm.extend({
  name: z.string().max(tokenNameMaxLength),
  scopes: z.union([scopeField, z.array(scopeField).max(tokenScopes.length)]).optional(),
  expiresInDays: z
    .string()
    .regex(/^\d{0,4}$/, "a whole number of days")
    .optional(),
});

function scopesOf(sent: TokenScope | readonly TokenScope[] | undefined): TokenScope[] {
  if (sent === undefined) return [];
  return typeof sent === "string" ? [sent] : [...sent];
}

/**
 * The API-token pages for people (issue 13): the same use cases as /api/tokens. The secret is shown once,
 * as the answer to the creating POST, never through a redirect, a URL or a stored notice.
 */
export function tokenPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  const showTokens = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: TokenFormValues,
    refusal: Refusal | null,
  ) => {
    const page = pageContext(request, context);
    const viewer = authOf(request).user;
    const listed = unwrap(await listApiTokens(deps, requestActor(request), viewer.id, requestMeta(request)));
    const view = tokensPage(page, listed.tokens, scopesHeldBy(viewer.role), values);
    return sendFormPage(reply, page, { title: "API tokens" }, view, refusal);
  };

  routes.get("/admin/tokens", async (request, reply) => showTokens(request, reply, emptyTokenForm, null));

  routes.post("/admin/tokens", { schema: { body: tokenForm } }, async (request, reply) => {
    const { name, password, expiresInDays } = request.body;
    const scopes = scopesOf(request.body.scopes);
    const ownerId = authOf(request).user.id;
    const days = expiresInDays === undefined || expiresInDays === "" ? {} : { expiresInDays: Number(expiresInDays) };
    const result = await withStepUp(context, request, password, (actor, meta) =>
      createApiToken(deps, actor, { name, scopes, ownerId, ...days }, meta),
    );
    // Refused: the form again with what was sent (never the password), so a step-up prompt loses nothing;
    // a name's bidi overrides and invisible marks are not sent back into the page.
    if (!result.ok) {
      const values = { name: readableTokenName(name), scopes, expiresInDays: expiresInDays ?? "" };
      return showTokens(request, reply, values, result);
    }
    const page = { ...pageContext(request, context), notice: null };
    // Pages are no-store already (security-headers.ts); said here too, where it matters most.
    reply.header("Cache-Control", "no-store");
    return sendPage(reply, page, { title: "API token created" }, createdTokenPage(page, result.token, result.view));
  });

  // GET shows the prompt and changes nothing; only the POST below revokes.
  routes.get("/admin/tokens/:id/revoke", { schema: { params: tokenParams } }, async (request, reply) => {
    const page = pageContext(request, context);
    const found = unwrap(await getApiToken(deps, requestActor(request), request.params.id, requestMeta(request)));
    return sendPage(reply, page, { title: "Revoke an API token" }, revokeTokenPage(page, found.token));
  });

  routes.post(
    "/admin/tokens/:id/revoke",
    { schema: { params: tokenParams, body: csrfOnly } },
    async (request, reply) => {
      const result = await revokeApiToken(deps, requestActor(request), request.params.id, requestMeta(request));
      if (!result.ok) throw GatehouseError.from(result);
      const { ownerId } = result.revoked;
      const back =
        ownerId === authOf(request).user.id ? "/admin/tokens" : `/admin/users/${encodeURIComponent(ownerId)}`;
      return redirectWithNotice(reply, context, back, "token-revoked");
    },
  );
}
