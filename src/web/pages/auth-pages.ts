import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Refusal } from "../../domain/errors.ts";
import { requestSignUp } from "../../domain/users/signup-verification.ts";
import { ClientSession } from "../../http/client-session.ts";
import { emailField, passwordField } from "../../http/credential-fields.ts";
import { GatehouseError } from "../../http/gatehouse-error.ts";
import { mailAllowed } from "../../http/mail-throttle.ts";
import { maxReturnUrlLength } from "../../http/return-url.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { dateText } from "../dates.ts";
import { csrfOnly } from "../form-schemas.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import {
  pageContext,
  redirectAfterSignIn,
  redirectWithNotice,
  returnUrlOf,
  sendFormPage,
  sendPage,
} from "../page-support.ts";
import { signupClosedPage, signupSentPage } from "./mail-views.ts";

/** Where to go after signing in: `next`, or `rd` (the name other gateways use); checked by http/return-url.ts. */
const returnFields = {
  next: z.string().max(maxReturnUrlLength).optional(),
  rd: z.string().max(maxReturnUrlLength).optional(),
};

const credentialsForm = csrfOnly.extend({ email: emailField, password: passwordField, ...returnFields });

const signupForm = credentialsForm.extend({ name: z.string().max(200).optional() });

/** The form carries `next` only when it is a return path we would follow: a hostile one is dropped here. */
function loginForm(page: PageContext, values: { email?: string; next?: string | null }, mail: boolean): SafeHtml {
  return html`<h1>Sign in</h1>
<form class="card" method="post" action="${page.base}/login">
  ${csrfField(page)}
  <input type="hidden" name="next" value="${values.next ?? ""}">
  <label for="email">E-mail address</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${values.email ?? ""}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
${
  mail
    ? html`<p><a href="${page.base}/forgot-password">Forgot password?</a></p>`
    : html`<p>Forgot your password? <a href="${page.base}/forgot-password">Ask an administrator for a recovery link</a>.</p>`
}
<p>No account yet? <a href="${page.base}/signup">Sign up</a>.</p>`;
}

function signupFormView(page: PageContext, values: { email?: string; name?: string }): SafeHtml {
  return html`<h1>Create an account</h1>
<form class="card" method="post" action="${page.base}/signup">
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
<p>Already have an account? <a href="${page.base}/login">Sign in</a>.</p>`;
}

/**
 * A sign-in refusal in the page's words: a throttle names the time to try again (the form stays, a way
 * forward), a pending deletion the day its grace period ends, both in the pages' one date format.
 */
function inPageWords(refusal: Refusal, now: number): Refusal {
  if (refusal.code === "RATE_LIMITED" && refusal.retryAfterSeconds !== undefined) {
    return { ...refusal, detail: `Try again at ${dateText(now + refusal.retryAfterSeconds * 1000)}.` };
  }
  if (refusal.code === "ACCOUNT_DELETION_PENDING" && refusal.restorableUntil !== undefined) {
    return {
      ...refusal,
      detail: `An administrator can restore it until ${dateText(refusal.restorableUntil)}; after that it is erased.`,
    };
  }
  return refusal;
}

/**
 * The password throttle refuses before any hashing by throwing (http/password-throttle.ts). On the sign-in
 * page that refusal is shown with the form, not as a dead-end error page: the visitor reads when to try
 * again and can, from the same page. Retry-After is sent as the API sends it.
 */
async function throttledAsRefusal<T extends { ok: true }>(
  reply: FastifyReply,
  attempt: () => Promise<T | Refusal>,
): Promise<T | Refusal> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof GatehouseError) || error.code !== "RATE_LIMITED") throw error;
    reply.headers(error.headers);
    const seconds = Number(error.headers["Retry-After"]);
    return {
      ok: false,
      code: error.code,
      ...(error.detail === undefined ? {} : { detail: error.detail }),
      ...(Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {}),
    };
  }
}

export function authPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const options = { narrow: true };
  const mail = context.deps.mailer !== null;

  // The sign-in page's form may lead back to an allowed host: its CSP's form-action says so (security-headers.ts).
  routes.get(
    "/login",
    { schema: { querystring: z.object({ ...returnFields, notice: z.string().max(40).optional() }) } },
    async (request, reply) => {
      reply.headers(context.signInHeaders);
      const page = pageContext(request, context);
      const view = loginForm(page, { next: returnUrlOf(request.query, context) }, mail);
      return sendPage(reply, page, { ...options, title: "Sign in" }, view);
    },
  );

  routes.post("/login", { schema: { body: credentialsForm } }, async (request, reply) => {
    const form = request.body;
    const result = await throttledAsRefusal(reply, () =>
      new ClientSession(context, request, reply).logIn({ email: form.email, password: form.password }),
    );
    if (result.ok) return redirectAfterSignIn(reply, context, form.next ?? form.rd);
    reply.headers(context.signInHeaders);
    const page = pageContext(request, context);
    const view = loginForm(page, { email: form.email, next: returnUrlOf(form, context) }, mail);
    const refusal = inPageWords(result, context.deps.clock.now());
    return sendFormPage(reply, page, { ...options, title: "Sign in" }, view, refusal);
  });

  routes.get("/signup", async (request, reply) => {
    const page = pageContext(request, context);
    // Closed: a sentence, no form to fill in only to be refused.
    const view = context.deps.signupOpen ? signupFormView(page, {}) : signupClosedPage(page);
    return sendPage(reply, page, { ...options, title: "Sign up" }, view);
  });

  routes.post(
    "/signup",
    { schema: { body: signupForm }, preHandler: context.signupRateLimit },
    async (request, reply) => {
      const { email, password, name } = request.body;
      const named = name === undefined ? {} : { name };
      if (mail) {
        const allowed = mailAllowed(context, email);
        const accepted = await requestSignUp(context.deps, { email, password, ...named, allowed });
        const page = pageContext(request, context);
        if (accepted.ok) {
          return sendPage(
            reply,
            page,
            { ...options, title: "Check your inbox" },
            signupSentPage(page, accepted.message),
          );
        }
        return sendFormPage(
          reply,
          page,
          { ...options, title: "Sign up" },
          signupFormView(page, { email, ...named }),
          accepted,
        );
      }
      const result = await new ClientSession(context, request, reply).signUp({ email, password, ...named });
      if (result.ok) return redirectWithNotice(reply, context, "/account", "signed-up");
      const page = pageContext(request, context);
      return sendFormPage(
        reply,
        page,
        { ...options, title: "Sign up" },
        signupFormView(page, { email, ...named }),
        result,
      );
    },
  );

  routes.post("/logout", { preHandler: context.accountActLimit }, async (request, reply) => {
    await new ClientSession(context, request, reply).logOut();
    return redirectWithNotice(reply, context, "/login", "signed-out");
  });
}
