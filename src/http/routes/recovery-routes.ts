import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestPasswordReset } from "../../domain/recovery/forgot-password.ts";
import { issueRecoveryLink } from "../../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../../domain/recovery/recovery-link.ts";
import { redeemRecoveryLink } from "../../domain/recovery/redeem-recovery.ts";
import { emailField, passwordField, recoveryLinkField } from "../credential-fields.ts";
import { unwrap } from "../gatehouse-error.ts";
import { mailAllowed, mailRequestLimit } from "../mail-throttle.ts";
import { acceptedPayload, recoveryLinkPayload, sessionsRevokedPayload } from "../openapi/response-schemas.ts";
import { throttledRecovery } from "../password-throttle.ts";
import { userParams } from "../query-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/**
 * @module
 * Account recovery links (docs/recovery.md): issued by an admin for a user ranked below (admin group; no
 * token may, whatever its scopes), redeemed by whoever holds the link (public, throttled per address).
 */

/** Issuing: the admin group's route. The link is answered once, never cached. */
export function recoveryAdminRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.post(
    "/api/users/:id/recovery-link",
    {
      schema: {
        params: userParams,
        operationId: "createRecoveryLink",
        summary:
          "Create a single-use recovery link for a user ranked below you (shown once; valid 30 minutes; replaces their previous one); needs a recent password proof, never a token",
        tags: ["users"],
        response: { 200: recoveryLinkPayload },
      },
      config: {
        refusals: ["USER_NOT_FOUND", "SELF_ACTION_FORBIDDEN", "REAUTH_REQUIRED", "USER_DISABLED", "DELETION_PENDING"],
      },
    },
    async (request, reply) => {
      const result = unwrap(
        await issueRecoveryLink(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      // 200, not 201: a link is no resource anyone can fetch later (only its hash is kept).
      return reply.header("Cache-Control", "no-store").send({
        userId: result.userId,
        url: recoveryUrl(context.publicUrl, result.link),
        expiresAt: new Date(result.expiresAt).toISOString(),
      });
    },
  );
}

/**
 * "Forgot password?": public; 202 with one sentence for every address (domain/recovery/forgot-password.ts).
 * Without a mail server, MAIL_NOT_CONFIGURED: nothing is sent, an administrator issues links.
 */
export function forgotPasswordRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    "/api/auth/forgot-password",
    {
      schema: {
        operationId: "forgotPassword",
        summary:
          "Ask for a recovery link by e-mail: answered 202 alike whether or not the address has an account; only an active account is sent one (needs SMTP_URL)",
        tags: ["auth"],
        body: z.strictObject({ email: emailField }),
        response: { 202: acceptedPayload },
      },
      config: { refusals: ["MAIL_NOT_CONFIGURED", "RATE_LIMITED"] },
      preHandler: mailRequestLimit(context),
    },
    async (request, reply) => {
      const { email } = request.body;
      const allowed = context.deps.mailer === null ? false : mailAllowed(context, email);
      const result = unwrap(requestPasswordReset(context.deps, { email, allowed }, requestMeta(request)));
      return reply.code(202).send({ message: result.message });
    },
  );
}

/** Redeeming: public, like sign-in; the same refusal for every wrong link. */
export function recoveryPublicRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.post(
    "/api/auth/recover",
    {
      schema: {
        operationId: "recoverAccount",
        summary:
          "Set a new password with a recovery link: the link is used up and every session of the account ends (sign in afterwards)",
        tags: ["auth"],
        body: z.strictObject({ link: recoveryLinkField, password: passwordField }),
        response: { 200: sessionsRevokedPayload },
      },
      config: { refusals: ["RECOVERY_LINK_INVALID", "RATE_LIMITED"] },
    },
    async (request) => {
      const result = unwrap(
        await throttledRecovery(context.throttles, request.ip, () =>
          redeemRecoveryLink(deps, request.body, requestMeta(request)),
        ),
      );
      return { sessionsRevoked: result.sessionsRevoked };
    },
  );
}
