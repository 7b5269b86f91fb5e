import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { logIn, signUp } from "../../domain/accounts.ts";
import { logOut, presentedSessionId } from "../../domain/sessions.ts";
import { emailField, passwordField } from "../../http/credential-fields.ts";
import { throttledPasswordCheck } from "../../http/password-throttle.ts";
import { requestMeta } from "../../http/request-meta.ts";
import { returnUrl } from "../../http/return-url.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { endClientSession, setSessionCookie } from "../../http/session-cookie.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { afterSignIn, pageContext, redirectWithNotice, refusalAlert, sendPage, statusOf } from "../page-support.ts";

const credentialsForm = z.object({
  email: emailField,
  password: passwordField,
  next: z.string().max(500).optional(),
  _csrf: z.string().max(200).optional(),
});

const signupForm = credentialsForm.extend({ name: z.string().max(200).optional() });

/** The form carries `next` only when it is a return path we would follow: a hostile one is dropped here. */
function loginForm(page: PageContext, values: { email?: string; next?: string | null }): SafeHtml {
  return html`<h1>Sign in</h1>
<form class="card" method="post" action="/login">
  ${csrfField(page)}
  <input type="hidden" name="next" value="${values.next ?? ""}">
  <label for="email">E-mail address</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${values.email ?? ""}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p>No account yet? <a href="/signup">Sign up</a>.</p>`;
}

function signupFormView(page: PageContext, values: { email?: string; name?: string }): SafeHtml {
  return html`<h1>Create an account</h1>
<form class="card" method="post" action="/signup">
  ${csrfField(page)}
  <label for="email">E-mail address</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="${values.email ?? ""}" autofocus>
  <label for="name">Name <span class="hint">(optional)</span></label>
  <input id="name" name="name" type="text" autocomplete="name" value="${values.name ?? ""}">
  <label for="password">Password</label>
  <p class="hint" id="password-hint">At least 8 characters; a long passphrase is best. Any characters are allowed.</p>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"
    aria-describedby="password-hint">
  <button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/login">Sign in</a>.</p>`;
}

export function authPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;
  const options = { narrow: true };

  routes.get(
    "/login",
    {
      schema: {
        querystring: z.object({ next: z.string().max(500).optional(), notice: z.string().max(40).optional() }),
      },
    },
    async (request, reply) =>
      sendPage(
        reply,
        pageContext(request, context),
        { ...options, title: "Sign in" },
        loginForm(pageContext(request, context), { next: returnUrl(request.query.next, context.publicUrl) }),
      ),
  );

  routes.post("/login", { schema: { body: credentialsForm } }, async (request, reply) => {
    const page = pageContext(request, context);
    const form = request.body;
    const replaced = presentedSessionId(request.cookies[context.cookie.name]);
    const result = await throttledPasswordCheck(context, form.email, request.ip, () =>
      logIn(deps, form, requestMeta(request), replaced),
    );
    if (!result.ok) {
      const view = loginForm(page, { email: form.email, next: returnUrl(form.next, context.publicUrl) });
      return sendPage(
        reply,
        page,
        { ...options, title: "Sign in", alert: refusalAlert(result) },
        view,
        statusOf(result),
      );
    }
    setSessionCookie(reply, context.cookie, result.started.token);
    return redirectWithNotice(reply, afterSignIn(form.next, context), "signed-in");
  });

  routes.get("/signup", async (request, reply) =>
    sendPage(
      reply,
      pageContext(request, context),
      { ...options, title: "Sign up" },
      signupFormView(pageContext(request, context), {}),
    ),
  );

  routes.post(
    "/signup",
    { schema: { body: signupForm }, preHandler: context.signupRateLimit },
    async (request, reply) => {
      const page = pageContext(request, context);
      const { email, password, name } = request.body;
      const result = await signUp(
        deps,
        { email, password, ...(name === undefined ? {} : { name }) },
        requestMeta(request),
        presentedSessionId(request.cookies[context.cookie.name]),
      );
      if (!result.ok) {
        const view = signupFormView(page, { email, ...(name === undefined ? {} : { name }) });
        return sendPage(
          reply,
          page,
          { ...options, title: "Sign up", alert: refusalAlert(result) },
          view,
          statusOf(result),
        );
      }
      setSessionCookie(reply, context.cookie, result.started.token);
      return redirectWithNotice(reply, "/account", "signed-up");
    },
  );

  routes.post(
    "/logout",
    { preHandler: context.accountActLimit },
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.auth !== null) await logOut(deps, request.auth, requestMeta(request));
      endClientSession(reply, context.cookie);
      return redirectWithNotice(reply, "/login", "signed-out");
    },
  );
}
