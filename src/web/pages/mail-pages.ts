import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestPasswordReset } from "../../domain/recovery/forgot-password.ts";
import { ClientSession } from "../../http/client-session.ts";
import { emailField, signupLinkField } from "../../http/credential-fields.ts";
import { mailAllowed, mailRequestLimit } from "../../http/mail-throttle.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly } from "../form-schemas.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { forgotPasswordForm, noMailAdvice, sentPage, verifySignupForm } from "./mail-views.ts";
import { privatePage } from "./recovery-pages.ts";

/**
 * @module
 * The public pages of the e-mail flows (docs/recovery.md): "Forgot password?" (the same use case and limits
 * as POST /api/auth/forgot-password; without mail, the advice to ask an administrator) and the page a
 * sign-up's link opens (the same use case as POST /api/auth/signup/verify). Link pages are no-store and
 * send no referrer, like /recover/<link>.
 */
const forgotForm = csrfOnly.extend({ email: emailField });
const linkParams = z.object({ link: signupLinkField });

export function mailPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const options = { narrow: true, title: "Forgot password" };

  routes.get("/forgot-password", async (request, reply) => {
    const page = pageContext(request, context);
    const view = context.deps.mailer === null ? noMailAdvice(page) : forgotPasswordForm(page);
    return sendPage(reply, page, options, view);
  });

  routes.post(
    "/forgot-password",
    { schema: { body: forgotForm }, preHandler: mailRequestLimit(context) },
    async (request, reply) => {
      const page = pageContext(request, context);
      const { email } = request.body;
      const allowed = context.deps.mailer === null ? false : mailAllowed(context, email);
      const result = requestPasswordReset(context.deps, { email, allowed }, requestMeta(request));
      if (!result.ok) return sendPage(reply, page, options, noMailAdvice(page));
      return sendPage(reply, page, { ...options, title: "Check your inbox" }, sentPage(page, result.message));
    },
  );

  const verifyOptions = { narrow: true, title: "Finish signing up" };
  // GET only shows the button: it judges nothing, so a scanner following the link creates no account.
  routes.get("/signup/verify/:link", { schema: { params: linkParams } }, async (request, reply) => {
    const page = pageContext(request, context);
    return sendPage(reply.headers(privatePage), page, verifyOptions, verifySignupForm(page, request.params.link));
  });

  routes.post(
    "/signup/verify/:link",
    { schema: { params: linkParams, body: csrfOnly }, preHandler: context.signupRateLimit },
    async (request, reply) => {
      reply.headers(privatePage);
      const result = await new ClientSession(context, request, reply).verifySignUp(request.params.link);
      if (result.ok) return redirectWithNotice(reply, context, "/account", "signed-up");
      const page = pageContext(request, context);
      return sendFormPage(reply, page, verifyOptions, verifySignupForm(page, request.params.link), result);
    },
  );
}
