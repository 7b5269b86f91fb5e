import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";

/**
 * @module
 * The pages of the e-mail flows (docs/recovery.md): "Forgot password?", the answer every address gets, the
 * advice when no mail server is configured, and the page a sign-up's link opens.
 */
export function forgotPasswordForm(page: PageContext): SafeHtml {
  return html`<h1>Forgot your password?</h1>
<form class="card" method="post" action="${page.base}/forgot-password">
  ${csrfField(page)}
  <p class="hint">Enter the address of your account. If it has one, we send it a link to choose a new password.</p>
  <label for="email">E-mail address</label>
  <input id="email" name="email" type="email" autocomplete="username" required autofocus>
  <button type="submit">Send me a link</button>
</form>
<p><a href="${page.base}/login">Back to sign-in</a></p>`;
}

/** The one answer to every "forgot password" request, whatever the address. */
export function sentPage(page: PageContext, message: string): SafeHtml {
  return html`<h1>Check your inbox</h1>
<div class="card">
  <p>${message}</p>
  <p class="hint">The link works once, for 30 minutes. Nothing arrived? Check your spam folder, or ask again later.</p>
  <p><a href="${page.base}/login">Back to sign-in</a></p>
</div>`;
}

/** Without SMTP_URL: how an account is recovered (docs/recovery.md, "Without e-mail"). */
export function noMailAdvice(page: PageContext): SafeHtml {
  return html`<h1>Forgot your password?</h1>
<div class="card">
  <p>This server sends no e-mail, so it cannot send you a reset link. Ask an administrator for a recovery link:
  they can create one from your account's page and hand it to you. The link lets you choose a new password
  and works once, for 30 minutes.</p>
  <p><a href="${page.base}/login">Back to sign-in</a></p>
</div>`;
}

/** The answer to a sign-up when mail is configured, for a new and a taken address alike. */
export function signupSentPage(page: PageContext, message: string): SafeHtml {
  return html`<h1>Check your inbox</h1>
<div class="card">
  <p>${message}</p>
  <p class="hint">The link works once, for an hour. Your account is created when you open it.</p>
  <p><a href="${page.base}/login">Back to sign-in</a></p>
</div>`;
}

/**
 * What a sign-up link opens: a button that posts back to the same URL. Opening the link (or a mail scanner
 * fetching it) creates nothing; the click does.
 */
export function verifySignupForm(page: PageContext, link: string): SafeHtml {
  return html`<h1>Finish signing up</h1>
<form class="card" method="post" action="${page.base}/signup/verify/${encodeURIComponent(link)}">
  ${csrfField(page)}
  <p>Confirm to create your account and sign in.</p>
  <button type="submit">Create my account</button>
</form>`;
}

/** SIGNUP_OPEN=false: no form at all. */
export function signupClosedPage(page: PageContext): SafeHtml {
  return html`<h1>Sign-up is closed</h1>
<div class="card">
  <p>This server does not take new sign-ups. Ask an administrator for an account.</p>
  <p><a href="${page.base}/login">Back to sign-in</a></p>
</div>`;
}
