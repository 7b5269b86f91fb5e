import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, goodPassword, leaveReauthWindow, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { form, type HttpClient } from "../support/http-client.ts";
import { createToken, serviceClient } from "../support/tokens.ts";

/**
 * Issue 13 item 1: API tokens on the admin pages, driven as a browser drives them (form posts with `_csrf`,
 * redirects followed by hand). The pages call the same use cases as /api/tokens; the secret is shown once.
 */
const tokenPattern = /gatehouse_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}/;

function csrfOf(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  assert.ok(token !== undefined, "the page carries a _csrf field");
  return token;
}

async function csrfFrom(device: HttpClient, path = "/admin/tokens"): Promise<string> {
  return csrfOf((await device.get(path)).body);
}

/** The creation form as a browser posts it: repeated `scopes` fields for several checked boxes. */
function tokenForm(fields: {
  _csrf: string;
  name: string;
  scopes: readonly string[];
  days?: string;
  password?: string;
}) {
  const body = new URLSearchParams({ _csrf: fields._csrf, name: fields.name, expiresInDays: fields.days ?? "" });
  for (const scope of fields.scopes) body.append("scopes", scope);
  if (fields.password !== undefined) body.set("password", fields.password);
  return { payload: body.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
}

for (const engine of engines) {
  describe(`issue 13: the API-token pages (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the admin navigation links the token page, which lists nothing yet and offers every scope an admin holds", async () => {
      const admin = await createSignedInUser(t, "admin");
      const account = await admin.device.get("/account");
      assert.match(account.body, /<a href="\/admin\/tokens">API tokens<\/a>/);
      const page = await admin.device.get("/admin/tokens");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /No API tokens\./);
      for (const scope of ["users:read", "users:write", "sessions:introspect", "scim", "audit:read"]) {
        assert.match(page.body, new RegExp(`type="checkbox" name="scopes" value="${scope}"`), scope);
      }
      assert.match(page.body, /90 if left empty, at most 365/);
      assert.match(
        page.body,
        /<form class="card" method="post" action="\/admin\/tokens"[^>]*>\s*<h2[^>]*>[^<]*<\/h2>\s*<input type="hidden" name="_csrf"/,
      );
    });

    test("a stale session is asked for its password and keeps the form's values; with it, the secret is shown once, no-store", async () => {
      const admin = await createSignedInUser(t, "admin");
      const csrf = await csrfFrom(admin.device);
      leaveReauthWindow(t);
      const fields = { _csrf: csrf, name: "billing export", scopes: ["users:read", "audit:read"], days: "30" };
      const stale = await admin.device.request("POST", "/admin/tokens", tokenForm(fields));
      assert.equal(stale.statusCode, 403, stale.body);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /name="name" type="text"[^>]*value="billing export"/);
      assert.match(stale.body, /value="users:read" checked/);
      assert.match(stale.body, /value="audit:read" checked/);
      assert.doesNotMatch(stale.body, /value="users:write" checked/);
      assert.match(stale.body, /name="expiresInDays"[^>]*value="30"/);
      assert.deepEqual(await t.store.listUserApiTokens(admin.user.id), [], "nothing was created");
      const [denied] = await auditOf(t, { actorId: admin.user.id, action: "tokens.create" });
      assert.equal(denied?.reason, "REAUTH_REQUIRED");

      const wrong = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ ...fields, password: "not it at all" }),
      );
      assert.equal(wrong.statusCode, 403, wrong.body);
      assert.match(wrong.body, /WRONG_PASSWORD/);
      assert.match(wrong.body, /value="billing export"/);
      assert.deepEqual(await t.store.listUserApiTokens(admin.user.id), []);

      const created = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ ...fields, password: goodPassword }),
      );
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.headers["cache-control"], "no-store");
      assert.equal(created.headers.location, undefined, "the secret is the POST's own answer, not a redirect's");
      assert.match(created.body, /only time the token is shown/);
      const secret = tokenPattern.exec(created.body)?.[0];
      assert.ok(secret !== undefined, "the secret is on the page");
      const [stored] = await t.store.listUserApiTokens(admin.user.id);
      assert.equal(stored?.name, "billing export");
      assert.deepEqual(stored?.scopes, ["users:read", "audit:read"]);
      assert.equal((stored?.expiresAt ?? 0) - (stored?.createdAt ?? 0), 30 * 86_400_000);
      assert.ok(!JSON.stringify(stored).includes(secret.slice(-43)), "only a hash of the secret is stored");

      const service = serviceClient(t, secret);
      assert.equal((await service.get("/api/users")).statusCode, 200, "the shown secret works");
      assertProblem(await service.get("/api/tokens"), 403, "INSUFFICIENT_SCOPE");

      for (const path of [
        "/admin/tokens",
        `/admin/users/${admin.user.id}`,
        `/admin/tokens/${stored?.id}/revoke`,
        "/admin/audit",
      ]) {
        const later = await admin.device.get(path);
        assert.equal(later.statusCode, 200, path);
        assert.ok(!later.body.includes(secret), `${path} never shows the secret again`);
        assert.ok(!later.body.includes(secret.slice(-43)), `${path} shows no part of the secret`);
      }
      const listed = await admin.device.get("/admin/tokens");
      assert.match(listed.body, /billing export/);
      assert.match(listed.body, /users:read audit:read/);
      const entries = await auditOf(t, { actorId: admin.user.id, action: "tokens.create" });
      assert.ok(entries.some((entry) => entry.outcome === "success" && entry.details.tokenId === stored?.id));
      assert.ok(!JSON.stringify(entries).includes(secret.slice(-43)), "the audit log holds no secret");
    });

    test("a refused creation shows the form again with its reason: no scope, a lifetime past the maximum, a bad number", async () => {
      const admin = await createSignedInUser(t, "admin");
      const csrf = await csrfFrom(admin.device);
      const none = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "none", scopes: [] }),
      );
      assert.equal(none.statusCode, 400, none.body);
      assert.match(none.body, /VALIDATION_FAILED/);
      assert.match(none.body, /at least one scope/);
      const long = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "too long", scopes: ["users:read"], days: "366" }),
      );
      assert.equal(long.statusCode, 400, long.body);
      assert.match(long.body, /from 1 to 365/);
      assert.match(long.body, /value="too long"/);
      const zero = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "z", scopes: ["users:read"], days: "0" }),
      );
      assert.equal(zero.statusCode, 400);
      const words = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "w", scopes: ["users:read"], days: "ten" }),
      );
      assert.equal(words.statusCode, 400);
      const unknown = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "u", scopes: ["tokens:write"] }),
      );
      assert.equal(unknown.statusCode, 400);
      assert.deepEqual(await t.store.listUserApiTokens(admin.user.id), []);
      const defaulted = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "d", scopes: ["users:read"] }),
      );
      assert.equal(defaulted.statusCode, 200, defaulted.body);
      const [stored] = await t.store.listUserApiTokens(admin.user.id);
      assert.equal(
        (stored?.expiresAt ?? 0) - (stored?.createdAt ?? 0),
        90 * 86_400_000,
        "an empty expiry is the default",
      );
    });

    test("a form post without its _csrf token creates nothing", async () => {
      const admin = await createSignedInUser(t, "admin");
      const sent = tokenForm({ _csrf: "", name: "forged", scopes: ["users:write"], password: goodPassword });
      const forged = await admin.device.request("POST", "/admin/tokens", {
        ...sent,
        bare: true,
        headers: { ...sent.headers, "sec-fetch-site": "same-origin" },
      });
      assert.equal(forged.statusCode, 403, forged.body);
      assert.match(forged.body, /CSRF_REJECTED/);
      assert.deepEqual(await t.store.listUserApiTokens(admin.user.id), []);
    });

    test("revoking asks first (its GET changes nothing), then the token's next request is refused", async () => {
      const admin = await createSignedInUser(t, "admin");
      const issued = await createToken(admin.device, ["users:read"], { name: "to revoke" });
      const service = serviceClient(t, issued.token);
      const listed = await admin.device.get("/admin/tokens");
      assert.match(listed.body, new RegExp(`href="/admin/tokens/${issued.view.id}/revoke"`));
      const prompt = await admin.device.get(`/admin/tokens/${issued.view.id}/revoke`);
      assert.equal(prompt.statusCode, 200);
      assert.match(prompt.body, /Revoke the token “to revoke”\?/);
      assert.match(prompt.body, new RegExp(`action="/admin/tokens/${issued.view.id}/revoke"`));
      assert.equal((await service.get("/api/users")).statusCode, 200, "the prompt revoked nothing");

      const revoked = await admin.device.request(
        "POST",
        `/admin/tokens/${issued.view.id}/revoke`,
        form({ _csrf: csrfOf(prompt.body) }),
      );
      assert.equal(revoked.statusCode, 303, revoked.body);
      assert.equal(revoked.headers.location, "/admin/tokens?notice=token-revoked");
      assertProblem(await service.get("/api/users"), 401, "INVALID_TOKEN");
      const after = await admin.device.get(String(revoked.headers.location));
      assert.match(after.body, /The API token is revoked/);
      assert.doesNotMatch(after.body, /to revoke/);
      const again = await admin.device.request(
        "POST",
        `/admin/tokens/${issued.view.id}/revoke`,
        form({ _csrf: csrfOf(prompt.body) }),
      );
      assert.equal(again.statusCode, 404);
      assert.match(again.body, /TOKEN_NOT_FOUND/);
      assert.equal((await admin.device.get("/admin/tokens/no-such-token/revoke")).statusCode, 404);
    });

    test("a user's page shows their tokens to a viewer ranked above and to themselves, with revoke; not to a peer", async () => {
      const root = await createSignedInUser(t, "superuser");
      const owner = await createSignedInUser(t, "admin");
      const peer = await createSignedInUser(t, "admin");
      const issued = await createToken(owner.device, ["audit:read"], { name: "owner's exporter" });
      const service = serviceClient(t, issued.token);

      const own = await owner.device.get(`/admin/users/${owner.user.id}`);
      assert.match(own.body, /owner&#39;s exporter/);
      assert.match(own.body, new RegExp(`href="/admin/tokens/${issued.view.id}/revoke"`));

      const seenByPeer = await peer.device.get(`/admin/users/${owner.user.id}`);
      assert.equal(seenByPeer.statusCode, 200);
      assert.doesNotMatch(seenByPeer.body, /owner&#39;s exporter|id="tokens-title"/);
      assert.equal((await peer.device.get(`/admin/tokens/${issued.view.id}/revoke`)).statusCode, 403);
      const peerCsrf = await csrfFrom(peer.device);
      const peerRevoke = await peer.device.request(
        "POST",
        `/admin/tokens/${issued.view.id}/revoke`,
        form({ _csrf: peerCsrf }),
      );
      assert.equal(peerRevoke.statusCode, 403, peerRevoke.body);
      assert.equal((await service.get("/api/audit")).statusCode, 200, "the peer revoked nothing");

      const seenByRoot = await root.device.get(`/admin/users/${owner.user.id}`);
      assert.match(seenByRoot.body, /id="tokens-title"/);
      assert.match(seenByRoot.body, /owner&#39;s exporter/);
      assert.match(seenByRoot.body, /audit:read/);
      const revoked = await root.device.request(
        "POST",
        `/admin/tokens/${issued.view.id}/revoke`,
        form({ _csrf: csrfOf(seenByRoot.body) }),
      );
      assert.equal(revoked.statusCode, 303, revoked.body);
      assert.equal(revoked.headers.location, `/admin/users/${owner.user.id}?notice=token-revoked`);
      assertProblem(await service.get("/api/audit"), 401, "INVALID_TOKEN");
      const [entry] = await auditOf(t, { actorId: root.user.id, action: "tokens.revoke" });
      assert.equal(entry?.outcome, "success");
      assert.equal(entry?.targetId, owner.user.id);
      assert.equal(entry?.details.tokenId, issued.view.id);
    });

    test("a plain user is refused every token page, and nothing changes", async () => {
      const admin = await createSignedInUser(t, "admin");
      const issued = await createToken(admin.device, ["users:read"]);
      const plain = await createSignedInUser(t);
      const csrf = csrfOf((await plain.device.get("/account")).body);
      assert.doesNotMatch((await plain.device.get("/account")).body, /admin\/tokens/);
      assert.equal((await plain.device.get("/admin/tokens")).statusCode, 403);
      assert.equal((await plain.device.get(`/admin/tokens/${issued.view.id}/revoke`)).statusCode, 403);
      const create = await plain.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: "mine", scopes: ["users:read"], password: goodPassword }),
      );
      assert.equal(create.statusCode, 403, create.body);
      assert.deepEqual(await t.store.listUserApiTokens(plain.user.id), []);
      const revoke = await plain.device.request(
        "POST",
        `/admin/tokens/${issued.view.id}/revoke`,
        form({ _csrf: csrf }),
      );
      assert.equal(revoke.statusCode, 403);
      assert.equal((await serviceClient(t, issued.token).get("/api/users")).statusCode, 200);
      const entries = await auditOf(t, { actorId: plain.user.id });
      const denied = entries.filter((entry) => entry.outcome === "denied");
      assert.ok(denied.length >= 4, `every refusal is audited (${denied.length})`);
      assert.ok(!entries.some((entry) => entry.action.startsWith("tokens.") && entry.outcome === "success"));
    });

    test("hostile token names: markup is shown escaped; bidi overrides, invisible marks and 10 KB are refused on the page and the API", async () => {
      const admin = await createSignedInUser(t, "admin");
      const csrf = await csrfFrom(admin.device);
      const markup = `<script>alert(1)</script><img src=x onerror=alert(2)>"'\``;
      const made = await admin.device.request(
        "POST",
        "/admin/tokens",
        tokenForm({ _csrf: csrf, name: markup, scopes: ["users:read"] }),
      );
      assert.equal(made.statusCode, 200, made.body);
      for (const path of ["/admin/tokens", `/admin/users/${admin.user.id}`]) {
        const body = (await admin.device.get(path)).body;
        assert.ok(!body.includes("<script>alert(1)"), path);
        assert.ok(!body.includes("<img src=x"), path);
        assert.ok(
          body.includes("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&#96;"),
          path,
        );
      }
      const hostile = [
        "\u202Egnp.exe",
        "ops\u2066token\u2069",
        "zero\u200Bwidth",
        "line\nbreak",
        "x".repeat(101),
        "y".repeat(10 * 1024),
      ];
      for (const name of hostile) {
        const label = JSON.stringify(name.slice(0, 20));
        const page = await admin.device.request(
          "POST",
          "/admin/tokens",
          tokenForm({ _csrf: csrf, name, scopes: ["users:read"] }),
        );
        assert.equal(page.statusCode, 400, `page ${label}`);
        assert.ok(!page.body.includes("\u202E") && !page.body.includes("\u2066"), `no override echoed ${label}`);
        const api = await admin.device.post("/api/tokens", { name, scopes: ["users:read"] });
        assertProblem(api, 400, "VALIDATION_FAILED", `api ${label}`);
      }
      const names = (await t.store.listUserApiTokens(admin.user.id)).map((token) => token.name);
      assert.deepEqual(names, [markup]);
    });

    test("the list marks an expired token and shows a token's last use", async () => {
      const admin = await createSignedInUser(t, "admin");
      const brief = await createToken(admin.device, ["users:read"], { name: "brief", expiresInDays: 1 });
      const used = await createToken(admin.device, ["users:read"], { name: "used", expiresInDays: 30 });
      assert.equal((await serviceClient(t, used.token).get("/api/users")).statusCode, 200);
      // Last use is written beside the request, not inside it: wait for the write to land.
      for (let i = 0; i < 50; i += 1) {
        const stored = await t.store.listUserApiTokens(admin.user.id);
        if (stored.find((token) => token.id === used.view.id)?.lastUsedAt !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const before = await admin.device.get("/admin/tokens");
      const rowOf = (body: string, name: string) => {
        const start = body.indexOf(`<td>${name} `);
        return body.slice(start, body.indexOf("</tr>", start));
      };
      assert.doesNotMatch(rowOf(before.body, "brief"), /expired/);
      assert.match(rowOf(before.body, "brief"), />never</);
      assert.doesNotMatch(rowOf(before.body, "used"), />never</);
      t.clock.advance(2 * 86_400_000);
      // Two days on, the old session is long gone: the admin signs in again.
      const later = await (await signIn(t, admin.user)).get("/admin/tokens");
      assert.equal(later.statusCode, 200);
      assert.match(rowOf(later.body, "brief"), /<span class="badge disabled">expired<\/span>/);
      assert.doesNotMatch(rowOf(later.body, "used"), /expired/);
      assertProblem(await serviceClient(t, brief.token).get("/api/users"), 401, "INVALID_TOKEN");
    });

    test("a disabled owner's tokens are gone from their user page with the disable", async () => {
      const root = await createSignedInUser(t, "superuser");
      const owner = await createSignedInUser(t, "admin");
      await createToken(owner.device, ["users:read"], { name: "dies with owner" });
      const before = await root.device.get(`/admin/users/${owner.user.id}`);
      assert.match(before.body, /dies with owner/);
      const disabled = await root.device.patch(`/api/users/${owner.user.id}`, { status: "disabled" });
      assert.equal(disabled.statusCode, 200, disabled.body);
      const afterDisable = await root.device.get(`/admin/users/${owner.user.id}`);
      assert.doesNotMatch(afterDisable.body, /dies with owner/);
      assert.match(afterDisable.body, /No API tokens\./);
    });
  });
}
