import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Authenticated } from "../../domain/actor.ts";
import { reauthenticate, toSessionView } from "../../domain/sessions/session-lifecycle.ts";
import { requestSignUp } from "../../domain/users/signup-verification.ts";
import { toPublicUser } from "../../domain/users/user.ts";
import { ClientSession } from "../client-session.ts";
import { emailField, passwordField, signupLinkField } from "../credential-fields.ts";
import { csrfTokenFor } from "../csrf-token.ts";
import { unwrap } from "../gatehouse-error.ts";
import { mailAllowed } from "../mail-throttle.ts";
import { acceptedPayload, loggedInPayload, noContent, sessionPayloadSchema } from "../openapi/response-schemas.ts";
import { ownPasswordCheck } from "../password-throttle.ts";
import { authOf } from "../request-auth.ts";
import { maxReturnUrlLength, returnUrl } from "../return-url.ts";
import type { RouteContext } from "../route-context.ts";

const credentials = z.strictObject({ email: emailField, password: passwordField });

const signupBody = credentials.extend({ name: z.string().max(200).optional() });

/** `next`: where the client means to go after signing in; the answer's `returnTo` is it if return-url.ts accepts it. */
const loginBody = credentials.extend({ next: z.string().max(maxReturnUrlLength).optional() });

/** The session as its owner sees it: never the token, which travels only in Set-Cookie. */
export function sessionPayload(context: RouteContext, auth: Authenticated) {
  return {
    user: toPublicUser(auth.user),
    session: toSessionView(auth.session, auth.session.id),
    csrfToken: csrfTokenFor(context.csrfKey, auth.session.id),
  };
}

/** Public routes: sign-up, login, logout. */
export function authRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    "/api/auth/signup",
    {
      schema: {
        operationId: "signUp",
        summary:
          "Create an account (when sign-up is open). Without SMTP_URL: created at once, signed in (201). With it: 202 alike for a new and a taken address; the account is created when the e-mailed link is used",
        tags: ["auth"],
        body: signupBody,
        response: { 201: sessionPayloadSchema, 202: acceptedPayload },
      },
      config: {
        refusals: ["SIGNUP_CLOSED", "EMAIL_TAKEN", "RATE_LIMITED"],
        answerHeaders: ["Set-Cookie"],
      },
      preHandler: context.signupRateLimit,
    },
    async (request, reply) => {
      if (context.deps.mailer !== null) {
        const allowed = mailAllowed(context, request.body.email);
        const accepted = unwrap(await requestSignUp(context.deps, { ...request.body, allowed }));
        return reply.code(202).send({ message: accepted.message });
      }
      const result = unwrap(await new ClientSession(context, request, reply).signUp(request.body));
      return reply
        .code(201)
        .header("Location", "/api/account")
        .send(sessionPayload(context, { user: result.user, session: result.started.session }));
    },
  );

  routes.post(
    "/api/auth/signup/verify",
    {
      schema: {
        operationId: "verifySignUp",
        summary:
          "Use a sign-up's e-mailed link: the account is created and this client signed in (the link works once)",
        tags: ["auth"],
        body: z.strictObject({ link: signupLinkField }),
        response: { 201: sessionPayloadSchema },
      },
      config: { refusals: ["SIGNUP_LINK_INVALID", "RATE_LIMITED"], answerHeaders: ["Set-Cookie"] },
      preHandler: context.signupRateLimit,
    },
    async (request, reply) => {
      const result = unwrap(await new ClientSession(context, request, reply).verifySignUp(request.body.link));
      return reply
        .code(201)
        .header("Location", "/api/account")
        .send(sessionPayload(context, { user: result.user, session: result.started.session }));
    },
  );

  routes.post(
    "/api/auth/login",
    {
      schema: {
        operationId: "logIn",
        summary: "Sign in with e-mail and password; any session this client held is replaced",
        tags: ["auth"],
        body: loginBody,
        response: { 200: loggedInPayload },
      },
      config: {
        refusals: ["INVALID_CREDENTIALS", "ACCOUNT_DISABLED", "ACCOUNT_DELETION_PENDING", "RATE_LIMITED"],
        answerHeaders: ["Set-Cookie"],
      },
    },
    async (request, reply) => {
      const { email, password, next } = request.body;
      const result = unwrap(await new ClientSession(context, request, reply).logIn({ email, password }));
      const returnTo = returnUrl(next, context.publicUrl, context.allowedHosts) ?? `${context.basePath}/account`;
      return { ...sessionPayload(context, { user: result.user, session: result.started.session }), returnTo };
    },
  );

  routes.post(
    "/api/auth/logout",
    {
      schema: {
        operationId: "logOut",
        summary: "End this client's session (answered the same with or without one)",
        tags: ["auth"],
        response: { 204: noContent },
      },
      config: { refusals: ["RATE_LIMITED"], answerHeaders: ["Clear-Site-Data", "RateLimit"] },
      preHandler: context.accountActLimit,
    },
    async (request, reply) => {
      await new ClientSession(context, request, reply).logOut();
      return reply.code(204).send(null);
    },
  );
}

/** Routes for a signed-in client about its own session. */
export function sessionRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/api/auth/session",
    {
      schema: {
        operationId: "getSession",
        summary: "The signed-in user, this session, and its CSRF token",
        tags: ["auth"],
        response: { 200: sessionPayloadSchema },
      },
    },
    async (request) => sessionPayload(context, authOf(request)),
  );

  routes.post(
    "/api/auth/reauthenticate",
    {
      schema: {
        operationId: "reauthenticate",
        summary: "Confirm the password: marks this session freshly authenticated for sensitive acts",
        tags: ["auth"],
        body: z.strictObject({ password: passwordField }),
        response: { 204: noContent },
      },
      config: { refusals: ["WRONG_PASSWORD", "RATE_LIMITED"] },
    },
    async (request, reply) => {
      unwrap(
        await ownPasswordCheck(context, request, (auth, meta) =>
          reauthenticate(context.deps, auth, request.body.password, meta),
        ),
      );
      return reply.code(204).send(null);
    },
  );
}
