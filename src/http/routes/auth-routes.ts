import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Authenticated } from "../../domain/actor.ts";
import { reauthenticate, toSessionView } from "../../domain/sessions/session-lifecycle.ts";
import { toPublicUser } from "../../domain/users/user.ts";
import { ClientSession } from "../client-session.ts";
import { emailField, passwordField } from "../credential-fields.ts";
import { csrfTokenFor } from "../csrf-token.ts";
import { unwrap } from "../gatehouse-error.ts";
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
    { schema: { body: signupBody }, preHandler: context.signupRateLimit },
    async (request, reply) => {
      const result = unwrap(await new ClientSession(context, request, reply).signUp(request.body));
      return reply.code(201).send(sessionPayload(context, { user: result.user, session: result.started.session }));
    },
  );

  routes.post("/api/auth/login", { schema: { body: loginBody } }, async (request, reply) => {
    const { email, password, next } = request.body;
    const result = unwrap(await new ClientSession(context, request, reply).logIn({ email, password }));
    const returnTo = returnUrl(next, context.publicUrl, context.allowedHosts) ?? `${context.basePath}/account`;
    return { ...sessionPayload(context, { user: result.user, session: result.started.session }), returnTo };
  });

  routes.post("/api/auth/logout", { preHandler: context.accountActLimit }, async (request, reply) => {
    await new ClientSession(context, request, reply).logOut();
    return reply.code(204).send();
  });
}

/** Routes for a signed-in client about its own session. */
export function sessionRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get("/api/auth/session", async (request) => sessionPayload(context, authOf(request)));

  routes.post(
    "/api/auth/reauthenticate",
    { schema: { body: z.strictObject({ password: passwordField }) } },
    async (request, reply) => {
      unwrap(
        await ownPasswordCheck(context, request, (auth, meta) =>
          reauthenticate(context.deps, auth, request.body.password, meta),
        ),
      );
      return reply.code(204).send();
    },
  );
}
