import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { refuse } from "../../domain/errors.ts";
import { redeemRecoveryLink } from "../../domain/recovery/redeem-recovery.ts";
import { passwordField, recoveryLinkField } from "../../http/credential-fields.ts";
import { throttledRecovery } from "../../http/password-throttle.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly } from "../form-schemas.ts";
import { pageContext, sendFormPage, sendPage } from "../page-support.ts";
import { recoveredPage, recoverForm } from "./recovery-views.ts";

/**
 * @module
 * The public page a recovery link opens (docs/recovery.md; the admin's act is on the user's page,
 * admin-user-pages.ts). Same use case as POST /api/auth/recover. The link is in the path only: the request log redacts it (http/redacted-url.ts),
 * every page is `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (security-headers.ts), said
 * again here where it matters most.
 */
const linkParams = z.object({ link: recoveryLinkField });
const recoverBody = csrfOnly.extend({ password: passwordField, confirm: passwordField });
export const privatePage = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } as const;

export function recoveryPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const options = { narrow: true, title: "Recover your account" };

  // GET only shows the form: it judges nothing, so opening a link (or a scanner following it) spends nothing.
  routes.get("/recover/:link", { schema: { params: linkParams } }, async (request, reply) => {
    const page = pageContext(request, context);
    return sendPage(reply.headers(privatePage), page, options, recoverForm(page, request.params.link));
  });

  routes.post("/recover/:link", { schema: { params: linkParams, body: recoverBody } }, async (request, reply) => {
    const page = pageContext(request, context);
    const { link } = request.params;
    const { password, confirm } = request.body;
    reply.headers(privatePage);
    if (password !== confirm) {
      const differ = refuse("VALIDATION_FAILED", "The two passwords differ.");
      return sendFormPage(reply, page, options, recoverForm(page, link), differ);
    }
    const result = await throttledRecovery(context.throttles, request.ip, () =>
      redeemRecoveryLink(context.deps, { link, password }, requestMeta(request)),
    );
    if (!result.ok) return sendFormPage(reply, page, options, recoverForm(page, link), result);
    return sendPage(reply, page, { ...options, title: "Password set" }, recoveredPage(page, result.sessionsRevoked));
  });
}
