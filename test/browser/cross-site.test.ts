import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import {
  type AttackerKind,
  type AttackerSite,
  answered,
  browserSkipReason,
  cookieNames,
  csrfTokenOf,
  fetchFromPage,
  type LiveGatehouse,
  launchBrowser,
  newDevice,
  Resources,
  signInThroughPage,
  startAttackerSite,
  startLiveGatehouse,
} from "../support/browser.ts";
import { sessionCookieName } from "../support/cookies.ts";
import {
  assertNothingReadable,
  assertRefusedForgery,
  guessedToken,
  refusalOf,
  runFetchingPage,
  submitForgedForm,
} from "../support/forgery.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

async function assertStillSignedIn(context: BrowserContext, page: Page, origin: string, label: string): Promise<void> {
  assert.deepEqual(await cookieNames(context, origin), [sessionCookieName], `${label}: the cookie is still there`);
  const answer = await fetchFromPage(page, "/api/account", { method: "GET" });
  assert.equal(answered(answer).status, 200, `${label}: still signed in`);
}

const attackerKinds: readonly { kind: AttackerKind; name: string }[] = [
  { kind: "cross-site", name: "another site" },
  { kind: "same-site", name: "another port of the same host (same site, so the cookie is sent)" },
];

describe("in a real browser, a page on another origin cannot act for a signed-in admin", {
  skip: browserSkipReason,
}, () => {
  const resources = new Resources();
  let gatehouse: LiveGatehouse;
  let browser: Browser;
  const attackers = new Map<AttackerKind, AttackerSite>();

  before(async () => {
    gatehouse = resources.add(await startLiveGatehouse("sqlite"), (live) => live.close());
    for (const { kind } of attackerKinds) {
      attackers.set(
        kind,
        resources.add(await startAttackerSite(kind), (site) => site.close()),
      );
    }
    browser = resources.add(await launchBrowser(), (opened) => opened.close());
  });
  after(() => resources.closeAll());

  const device = async (): Promise<BrowserContext> =>
    resources.add(await newDevice(browser), (context) => context.close());
  const attackerOf = (kind: AttackerKind): AttackerSite => {
    const attacker = attackers.get(kind);
    if (attacker === undefined) throw new Error(`no ${kind} attacker`);
    return attacker;
  };

  test("an auto-submitted delete form and credentialed fetches from another site are refused and the victim survives", {
    timeout: 120_000,
  }, async () => {
    const { t, origin, requests } = gatehouse;
    const attacker = attackerOf("cross-site");
    const admin = await createUser(t, "admin");
    const victim = await createUser(t);
    await signIn(t, victim);
    const context = await device();
    const adminPage = await signInThroughPage(context, origin, admin.email, goodPassword);
    const tab = await context.newPage();

    const target = `${origin}/admin/users/${victim.id}/delete`;
    let mark = requests.mark();
    await submitForgedForm(tab, attacker, target, { reason: "spring cleaning", _csrf: guessedToken() });
    const forged = requests.since(mark).filter((request) => request.method === "POST");
    assert.deepEqual(
      forged.map((request) => request.path),
      [`/admin/users/${victim.id}/delete`],
    );
    assertRefusedForgery(forged, "cross-site", "forged form");
    // No cookie came with it (SameSite=Lax), so it is a signed-out request: the tab is sent to sign in.
    assert.equal(forged[0] === undefined ? null : refusalOf(forged[0]), "303 to sign in");
    assert.equal(tab.url(), `${origin}/login`);
    assert.equal(await tab.getByRole("heading", { level: 1 }).textContent(), "Sign in");

    mark = requests.mark();
    const outcomes = await runFetchingPage(tab, attacker, [
      { url: `${origin}/api/users/${victim.id}`, init: { method: "DELETE", credentials: "include" } },
      {
        url: `${origin}/api/auth/logout`,
        init: { method: "POST", credentials: "include", headers: { "content-type": "text/plain" }, body: "{}" },
      },
    ]);
    // Neither answer is readable by the attacker (no CORS grant): both fetches fail in the page.
    assert.equal(outcomes.length, 2);
    for (const outcome of outcomes) assert.match(outcome, /^error TypeError/, outcome);
    const fetched = requests.since(mark).filter((request) => request.path.startsWith("/api/"));
    assert.deepEqual(
      fetched.map((request) => `${request.method} ${request.path}`),
      [`OPTIONS /api/users/${victim.id}`, "POST /api/auth/logout"],
      "the DELETE never left the browser (its preflight was not granted); the simple text/plain POST did",
    );
    assertRefusedForgery(fetched, "cross-site", "forged fetch");

    const survivor = await t.store.getUserById(victim.id);
    assert.equal(survivor?.status, "active", "the victim still exists, untouched");
    assert.equal((await t.store.listUserSessions(victim.id)).length, 1, "the victim's session is untouched");
    await assertStillSignedIn(context, adminPage, origin, "the admin");
  });

  for (const { kind, name } of attackerKinds) {
    test(`a form POST or fetch from ${name} against every destructive route changes nothing`, {
      timeout: 180_000,
    }, async () => {
      const { t, origin, requests } = gatehouse;
      const attacker = attackerOf(kind);
      // A superuser (with a second one, so none of its acts is blocked as "the last superuser"): every forged
      // request below is one this session could make, so only the CSRF defence stands in the way.
      const superuser = await createUser(t, "superuser");
      await createUser(t, "superuser");
      const victim = await createUser(t);
      const mallory = await createUser(t);
      await signIn(t, victim);
      await signIn(t, superuser);
      const context = await device();
      const home = await signInThroughPage(context, origin, superuser.email, goodPassword);
      const tab = await context.newPage();
      const otherSession = (await t.store.listUserSessions(superuser.id))[0]?.id ?? "missing";
      const before = await snapshotStore(t);

      const pageForms: { path: string; fields: Record<string, string> }[] = [
        { path: "/account/delete", fields: { password: goodPassword } },
        {
          path: "/account/password",
          fields: { currentPassword: goodPassword, newPassword: "an attacker's passphrase" },
        },
        { path: "/account/sessions/revoke-others", fields: {} },
        { path: `/account/sessions/${otherSession}/revoke`, fields: {} },
        { path: "/account/profile", fields: { name: "pwned" } },
        { path: `/admin/users/${victim.id}/status`, fields: { status: "disabled" } },
        { path: `/admin/users/${victim.id}/role`, fields: { role: "superuser" } },
        { path: `/admin/users/${victim.id}/sessions/revoke`, fields: {} },
        { path: `/admin/users/${victim.id}/delete`, fields: { reason: "forged" } },
        { path: "/logout", fields: {} },
        // Login CSRF: the admin's browser would be signed in to the attacker's account, or to a new one.
        { path: "/login", fields: { email: mallory.email, password: goodPassword } },
        { path: "/signup", fields: { email: uniqueEmail("forged"), password: goodPassword } },
      ];
      const apiCalls: { method: "POST" | "PATCH" | "DELETE"; path: string; body?: Record<string, string> }[] = [
        { method: "DELETE", path: `/api/users/${victim.id}`, body: { reason: "forged" } },
        { method: "DELETE", path: `/api/users/${victim.id}/sessions` },
        { method: "PATCH", path: `/api/users/${victim.id}`, body: { role: "superuser" } },
        { method: "DELETE", path: "/api/account" },
        {
          method: "POST",
          path: "/api/account/password",
          body: { currentPassword: goodPassword, newPassword: "x".repeat(20) },
        },
        { method: "PATCH", path: "/api/account", body: { name: "pwned" } },
        { method: "POST", path: "/api/account/sessions/revoke-others" },
        { method: "DELETE", path: `/api/account/sessions/${otherSession}` },
        {
          method: "POST",
          path: "/api/users",
          body: { email: uniqueEmail("backdoor"), password: goodPassword, role: "superuser" },
        },
        { method: "POST", path: "/api/auth/logout" },
      ];

      const assertNothingChanged = async (label: string, mark: number, path: string) => {
        assert.deepEqual(await snapshotStore(t), before, `${label}: users and sessions are exactly as they were`);
        // Only the forged requests: a refused form's follow-up navigation (GET /login) is the browser's own.
        const seen = requests.since(mark).filter((request) => request.path === path);
        assert.ok(seen.length > 0, `${label}: the forged request was sent`);
        assertRefusedForgery(seen, kind, label);
        await assertStillSignedIn(context, home, origin, label);
      };

      for (const { path, fields } of pageForms) {
        const target = `${origin}${path}`;
        let mark = requests.mark();
        await submitForgedForm(tab, attacker, target, { ...fields, _csrf: guessedToken() });
        await assertNothingChanged(`form POST ${path}`, mark, path);

        mark = requests.mark();
        const [outcome] = await runFetchingPage(tab, attacker, [
          {
            url: target,
            init: {
              method: "POST",
              mode: "no-cors",
              credentials: "include",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: new URLSearchParams({ ...fields, _csrf: guessedToken() }).toString(),
            },
          },
        ]);
        assertNothingReadable(outcome, `fetch POST ${path}`);
        await assertNothingChanged(`fetch POST ${path}`, mark, path);
      }

      for (const { method, path, body } of apiCalls) {
        const target = `${origin}${path}`;
        const json = JSON.stringify(body ?? {});
        // A form can only POST; text/plain is how it smuggles a body that reads as JSON: {...,"padding":"="}.
        let mark = requests.mark();
        const opening = `${json === "{}" ? "{" : `${json.slice(0, -1)},`}"padding":"`;
        await submitForgedForm(tab, attacker, target, { [opening]: '"}' }, "text/plain");
        await assertNothingChanged(`form POST ${path}`, mark, path);

        mark = requests.mark();
        const [preflighted, simple] = await runFetchingPage(tab, attacker, [
          {
            url: target,
            init: {
              method,
              credentials: "include",
              headers: { "content-type": "application/json", "x-csrf-token": guessedToken() },
              ...(body === undefined ? {} : { body: json }),
            },
          },
          {
            url: target,
            init: {
              method: "POST",
              mode: "no-cors",
              credentials: "include",
              headers: { "content-type": "text/plain" },
              body: json,
            },
          },
        ]);
        assert.match(preflighted ?? "", /^error TypeError/, `fetch ${method} ${path} is blocked in the browser`);
        assertNothingReadable(simple, `no-cors POST ${path}`);
        const arrived = requests.since(mark).filter((request) => request.path === path);
        assert.deepEqual(
          arrived.map((request) => request.method),
          ["OPTIONS", "POST"],
          `only the ungranted preflight of ${method} ${path} and the simple POST reached the server`,
        );
        await assertNothingChanged(`fetch ${method} ${path}`, mark, path);
      }
    });
  }

  test("a CSRF token copied from one browser session into another session's same-origin request is refused", {
    timeout: 120_000,
  }, async () => {
    const { t, origin, requests } = gatehouse;
    const alice = await createUser(t);
    const bob = await createUser(t);
    const alicePhone = await signInThroughPage(await device(), origin, alice.email, goodPassword);
    const aliceLaptop = await signInThroughPage(await device(), origin, alice.email, goodPassword);
    const bobPage = await signInThroughPage(await device(), origin, bob.email, goodPassword);
    const stolen = await csrfTokenOf(alicePhone);
    assert.notEqual(await csrfTokenOf(aliceLaptop), stolen, "each session has its own token");

    for (const [label, page] of [
      ["another session of the same user", aliceLaptop],
      ["another user's session", bobPage],
    ] as const) {
      const mark = requests.mark();
      const api = answered(
        await fetchFromPage(page, "/api/account", {
          method: "PATCH",
          headers: { "content-type": "application/json", "x-csrf-token": stolen },
          body: JSON.stringify({ name: "moved token" }),
        }),
      );
      assert.equal(api.status, 403, `${label}: the API refuses the moved token`);
      assert.equal((JSON.parse(api.body) as { code?: string }).code, "CSRF_REJECTED", label);

      const form = answered(
        await fetchFromPage(page, "/account/profile", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ name: "moved token", _csrf: stolen }).toString(),
        }),
      );
      assert.equal(form.status, 403, `${label}: the form route refuses it`);
      assert.match(form.body, /CSRF_REJECTED/, label);

      // The server saw genuine same-origin requests with the session cookie: only the token was wrong.
      const seen = requests.since(mark);
      assert.equal(seen.length, 2, label);
      for (const request of seen) {
        assert.equal(request.site, "same-origin", label);
        assert.ok(request.cookieNames.includes(sessionCookieName), label);
        assert.equal(request.status, 403, label);
      }
    }
    assert.equal((await t.store.getUserById(alice.id))?.name, "");
    assert.equal((await t.store.getUserById(bob.id))?.name, "");

    // The same request with the session's own token goes through: the refusals above were the token's doing.
    const own = await fetchFromPage(bobPage, "/api/account", {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-csrf-token": await csrfTokenOf(bobPage) },
      body: JSON.stringify({ name: "Bob" }),
    });
    assert.equal(answered(own).status, 200);
    assert.equal((await t.store.getUserById(bob.id))?.name, "Bob");
    assert.equal((await t.store.getUserById(alice.id))?.name, "");
  });
});
