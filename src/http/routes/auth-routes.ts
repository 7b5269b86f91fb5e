import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { logIn, signUp } from "../../domain/accounts.ts";
import type { Authenticated } from "../../domain/context.ts";
import { GatehouseError } from "../../domain/errors.ts";
import { logOut, presentedSessionId, reauthenticate, toSessionView } from "../../domain/sessions.ts";
import { toPublicUser } from "../../domain/user.ts";
import { emailField, passwordField } from "../credential-fields.ts";
import { csrfTokenFor } from "../csrf-token.ts";
import { throttledPasswordCheck } from "../password-throttle.ts";
import { authOf } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";
import { endClientSession, setSessionCookie } from "../session-cookie.ts";

const credentials = z.strictObject({ email: emailField, password: passwordField });

const signupBody = credentials.extend({ name: z.string().max(200).optional() });

/** The session as its owner sees it: never the token, which travels only in Set-Cookie. */
export function sessionPayload(context: RouteContext, auth: Authenticated) {
  return {
    user: toPublicUser(auth.user),
    session: toSessionView(auth.session, auth.session.id),
    csrfToken: csrfTokenFor(context.csrfKey, auth.session.id),
  };
}

function presentedToken(request: FastifyRequest, context: RouteContext): string | undefined {
  return request.cookies[context.cookie.name];
}

/** Public routes: sign-up, login, logout. */
export function authRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.post(
    "/api/auth/signup",
    { schema: { body: signupBody }, preHandler: context.signupRateLimit },
    async (request, reply) => {
      const replaced = presentedSessionId(presentedToken(request, context));
      const result = await signUp(deps, request.body, requestMeta(request), replaced);
      if (!result.ok) throw GatehouseError.from(result);
      setSessionCookie(reply, context.cookie, result.started.token);
      return reply.code(201).send(sessionPayload(context, { user: result.user, session: result.started.session }));
    },
  );

  routes.post("/api/auth/login", { schema: { body: credentials } }, async (request, reply) => {
    const replaced = presentedSessionId(presentedToken(request, context));
    const result = await throttledPasswordCheck(context, request.body.email, request.ip, () =>
      logIn(deps, request.body, requestMeta(request), replaced),
    );
    if (!result.ok) throw GatehouseError.from(result);
    setSessionCookie(reply, context.cookie, result.started.token);
    return sessionPayload(context, { user: result.user, session: result.started.session });
  });

  // Logout is idempotent: with or without a live session the client ends up signed out and cleared.
  routes.post("/api/auth/logout", { preHandler: context.accountActLimit }, async (request, reply) => {
    if (request.auth !== null) await logOut(deps, request.auth, requestMeta(request));
    endClientSession(reply, context.cookie);
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
      const auth = authOf(request);
      const result = await throttledPasswordCheck(context, auth.user.email, request.ip, () =>
        reauthenticate(context.deps, auth, request.body.password, requestMeta(request)),
      );
      if (!result.ok) throw GatehouseError.from(result);
      return reply.code(204).send();
    },
  );
}
