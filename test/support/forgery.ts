import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Page, Response } from "playwright-core";
import { escapeHtml } from "../../src/web/html.ts";
import type { AttackerKind, AttackerSite, PageFetch, SeenRequest } from "./browser.ts";
import { sessionCookieName } from "./cookies.ts";

/** The attacker's side of the browser tests: forged forms and fetches, and how to tell they were refused. */

/** What an attacker would put in `_csrf`: a well-formed token of the right length, not the session's. */
export function guessedToken(): string {
  return randomBytes(32).toString("base64url");
}

/** A page that submits a form to `action` as soon as it loads, the classic cross-site request forgery. */
export function autoSubmittingForm(
  action: string,
  fields: Readonly<Record<string, string>>,
  enctype = "application/x-www-form-urlencoded",
): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>You have won a prize</title></head>
<body><h1>Claim your prize</h1>
<form id="forged" method="POST" action="${escapeHtml(action)}" enctype="${escapeHtml(enctype)}">
${inputs}
</form>
<script>document.getElementById("forged").submit();</script>
</body></html>`;
}

export interface ForgedFetch {
  readonly url: string;
  readonly init: PageFetch;
}

/** A page that fires fetches at Gatehouse on load and keeps what each one saw in `window.outcomes`. */
export function fetchingPage(attacks: readonly ForgedFetch[]): string {
  const json = JSON.stringify(attacks).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cute cats</title></head><body><h1>Cute cats</h1>
<script>
window.outcomes = [];
(async () => {
  for (const attack of ${json}) {
    try {
      const response = await fetch(attack.url, attack.init);
      window.outcomes.push("answer " + response.status + " " + response.type);
    } catch (error) {
      window.outcomes.push("error " + error);
    }
  }
  window.done = true;
})();
</script></body></html>`;
}

/** Opens the attacker's form page in the tab and waits for Gatehouse's answer to the forged POST. */
export async function submitForgedForm(
  tab: Page,
  attacker: AttackerSite,
  target: string,
  fields: Readonly<Record<string, string>>,
  enctype?: string,
): Promise<Response> {
  const [response] = await Promise.all([
    tab.waitForResponse((candidate) => candidate.url() === target && candidate.request().method() === "POST"),
    tab.goto(attacker.page(autoSubmittingForm(target, fields, enctype))),
  ]);
  await tab.waitForLoadState("load");
  return response;
}

/** Opens the attacker's fetching page in the tab and returns what its fetches saw. */
export async function runFetchingPage(tab: Page, attacker: AttackerSite, attacks: readonly ForgedFetch[]) {
  await tab.goto(attacker.page(fetchingPage(attacks)));
  await tab.waitForFunction("window.done === true");
  return tab.evaluate<string[]>("window.outcomes");
}

/**
 * How Gatehouse refused a request, as its server saw it, or null when it did not. A cross-site POST carries no
 * SameSite=Lax cookie, so a route that needs a session refuses it as signed out (401 from the API, a 303 to
 * the bare sign-in page from the pages) before the CSRF check; with the cookie, or on a public route, the CSRF
 * check refuses it (403). A successful sign-out or self-deletion also redirects to /login, but with a notice.
 */
export function refusalOf(request: SeenRequest): string | null {
  if (request.status === 403) return "403 CSRF_REJECTED";
  if (request.status === 401) return "401 signed out";
  if (request.status === 405 || request.status === 415) return `${request.status} wrong method or body`;
  if (request.status === 303 && request.location === "/login") return "303 to sign in";
  return null;
}

/**
 * The server's view of forged requests: each arrived marked as coming from the attacker's kind of site, with
 * the session cookie exactly when the browser sends it (same-site: yes; cross-site: no, SameSite=Lax; CORS
 * preflights never), and was refused; one that carried a live session was not refused as signed out.
 */
export function assertRefusedForgery(seen: readonly SeenRequest[], kind: AttackerKind, label: string): void {
  for (const request of seen) {
    const what = `${label}: ${request.method} ${request.path}`;
    assert.equal(request.site, kind, `${what} arrived marked ${kind}`);
    const withCookie = request.cookieNames.includes(sessionCookieName);
    if (request.method === "OPTIONS") {
      assert.equal(withCookie, false, `${what}: a preflight carries no cookie`);
      continue;
    }
    assert.equal(withCookie, kind === "same-site", `${what} ${kind === "same-site" ? "carried" : "lacked"} the cookie`);
    const refusal = refusalOf(request);
    assert.notEqual(refusal, null, `${what} was refused, got ${request.status} ${request.location ?? ""}`);
    if (withCookie) assert.ok(!refusal?.includes("signed out") && !refusal?.includes("sign in"), `${what}: ${refusal}`);
  }
}

/** A no-cors answer is opaque, or blocked outright by Cross-Origin-Resource-Policy: the attacker reads nothing. */
export function assertNothingReadable(outcome: string | undefined, label: string): void {
  assert.match(outcome ?? "", /^(answer 0 opaque|error TypeError)/, `${label} gets nothing readable`);
}
