import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import type { Role } from "../../src/domain/users/role.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import {
  createSignedInUser,
  createUser,
  goodPassword,
  leaveReauthWindow,
  signIn,
  signInWithAgent,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { form, type HttpClient } from "../support/http-client.ts";

/**
 * Issue 16 points 1 and 2: the admin users console driven as a browser drives it (GET forms, form posts with
 * `_csrf`). Order, totals and paging both ways over 65 users; sort by each key; the filters; bulk acts run
 * per user through the use cases; a user's page offers only the controls the rules allow and says what
 * each act did.
 */
const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

function csrfOf(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  assert.ok(token !== undefined, "the page carries a _csrf field");
  return token;
}

/** The e-mail addresses of the list's rows, in order. */
function listedEmails(body: string): string[] {
  return [...body.matchAll(/<td><a href="\/admin\/users\/[0-9a-f-]{36}">([^<]+)<\/a><\/td>/g)].map((m) => m[1] ?? "");
}

function linkOf(body: string, rel: "next" | "prev"): string | null {
  const href = new RegExp(`rel="${rel}" href="([^"]+)"`).exec(body)?.[1];
  return href === undefined ? null : href.replaceAll("&amp;", "&");
}

/** An account made straight through the use case, without a password (no hashing: fast), at the clock's time. */
async function quickUser(t: TestApp, email: string, role: Role = "user"): Promise<UserRecord> {
  const created = await createAccount(t.deps, { type: "cli" }, { email, password: null, role }, noRequest, null);
  assert.ok(created.ok, email);
  return created.user;
}

/** A form with repeated `id` fields, as the bulk form posts them. */
function bulkForm(fields: Record<string, string>, ids: readonly string[]) {
  const body = new URLSearchParams(fields);
  for (const id of ids) body.append("id", id);
  return { payload: body.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
}

const byCreatedDesc = (a: UserRecord, b: UserRecord) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

for (const engine of engines) {
  describe(`issue 16: the admin users list (${engine})`, () => {
    let t: TestApp;
    let viewer: HttpClient;
    const paged: UserRecord[] = [];
    before(async () => {
      t = await startTestApp(engine);
      viewer = (await createSignedInUser(t, "superuser")).device;
      // 65 users, five to each instant: the order must fall back on the id within each tie. Each creation reads
      // the clock before its first await, so they are started together and committed in a few group commits.
      const creating: Promise<UserRecord>[] = [];
      for (let i = 0; i < 65; i += 1) {
        if (i % 5 === 0) t.clock.advance(1_000);
        creating.push(quickUser(t, `p${String(i).padStart(2, "0")}@paging.test`));
      }
      paged.push(...(await Promise.all(creating)));
    });
    after(() => t.close());

    test("newest first by (created, id), the filtered total, next pages to an end marker and previous pages back", async () => {
      const expected = [...paged].sort(byCreatedDesc).map((user) => user.email);
      const pages: string[][] = [];
      let url: string | null = "/admin/users?search=paging.test";
      let body = "";
      while (url !== null) {
        const response = await viewer.get(url);
        assert.equal(response.statusCode, 200, response.body);
        body = response.body;
        pages.push(listedEmails(body));
        assert.match(body, / of 65</);
        url = linkOf(body, "next");
      }
      assert.deepEqual(
        pages.map((p) => p.length),
        [25, 25, 15],
      );
      assert.deepEqual(pages.flat(), expected);
      assert.match(body, /Users 51–65 of 65/);
      assert.match(body, /End of the list/);
      // Back from the last page: the same pages in reverse.
      const back: string[][] = [];
      url = linkOf(body, "prev");
      while (url !== null) {
        const response = await viewer.get(url);
        back.push(listedEmails(response.body));
        url = linkOf(response.body, "prev");
        if (url === null) assert.match(response.body, /Users 1–25 of 65/);
      }
      assert.deepEqual(back, [pages[1], pages[0]]);
    });

    test("sorts by e-mail, created and last sign-in, each both ways, the id breaking ties", async () => {
      const emails = ["s-c@sorting.test", "s-a@sorting.test", "s-d@sorting.test", "s-b@sorting.test"];
      const users: UserRecord[] = [];
      for (const email of emails) {
        t.clock.advance(1_000);
        users.push(await createUser(t, "user", email));
      }
      // Sign-ins in another order than creation; s-b never signs in.
      for (const email of ["s-d@sorting.test", "s-a@sorting.test", "s-c@sorting.test"]) {
        t.clock.advance(1_000);
        await signIn(t, { email });
      }
      const list = async (sort: string, dir: string) =>
        listedEmails((await viewer.get(`/admin/users?search=sorting.test&sort=${sort}&dir=${dir}`)).body);
      assert.deepEqual(await list("email", "asc"), [...emails].sort());
      assert.deepEqual(await list("email", "desc"), [...emails].sort().reverse());
      assert.deepEqual(await list("created", "asc"), emails);
      assert.deepEqual(await list("created", "desc"), [...emails].reverse());
      assert.deepEqual(await list("lastLogin", "desc"), [
        "s-c@sorting.test",
        "s-a@sorting.test",
        "s-d@sorting.test",
        "s-b@sorting.test",
      ]);
      assert.deepEqual(await list("lastLogin", "asc"), [
        "s-b@sorting.test",
        "s-d@sorting.test",
        "s-a@sorting.test",
        "s-c@sorting.test",
      ]);
      const page = (await viewer.get("/admin/users?search=sorting.test")).body;
      assert.match(page, /<td>never<\/td>/, "s-b has never signed in");
      assert.doesNotMatch(page, /\d{4}-\d\d-\d\dT\d\d:/, "no ISO timestamps");
    });

    test("filters by status, role and a pending deletion; each its own set and total", async () => {
      const active = await quickUser(t, "f-active@filters.test");
      const disabled = await quickUser(t, "f-disabled@filters.test");
      const pending = await quickUser(t, "f-pending@filters.test");
      await quickUser(t, "f-admin@filters.test", "admin");
      const now = t.clock.now();
      await t.store.transaction(async (tx) => {
        await tx.updateUser(disabled.id, { status: "disabled" }, now);
        await tx.scheduleErasure(pending.id, now + 86_400_000, now);
      });
      const list = async (query: string) => (await viewer.get(`/admin/users?search=filters.test&${query}`)).body;
      const pendingPage = await list("state=pending");
      assert.deepEqual(listedEmails(pendingPage), [pending.email]);
      assert.match(pendingPage, /Users 1–1 of 1/);
      assert.match(pendingPage, /deletion pending/);
      assert.deepEqual(listedEmails(await list("state=disabled")), [disabled.email]);
      assert.deepEqual(listedEmails(await list("state=active&sort=email&dir=asc")), [
        "f-active@filters.test",
        "f-admin@filters.test",
      ]);
      assert.deepEqual(listedEmails(await list("role=admin")), ["f-admin@filters.test"]);
      assert.deepEqual(listedEmails(await list("role=user&state=active")), [active.email]);
    });

    test("a cursor that names no user, both cursors at once, or a hostile one: the first page, or a 400", async () => {
      const gone = "00000000-0000-4000-8000-000000000000";
      const restarted = await viewer.get(`/admin/users?search=paging.test&after=${gone}`);
      assert.equal(restarted.statusCode, 200);
      assert.match(restarted.body, /this is the first page/);
      assert.match(restarted.body, /Users 1–25 of 65/);
      const both = await viewer.get(`/admin/users?after=${paged[0]?.id}&before=${paged[1]?.id}`);
      assert.equal(both.statusCode, 400);
      for (const hostile of ["1%20OR%201=1", "%FF", "x".repeat(37), "'--"]) {
        assert.equal((await viewer.get(`/admin/users?after=${hostile}`)).statusCode, 400, hostile);
      }
      assert.equal((await viewer.get("/admin/users?sort=password_hash")).statusCode, 400);
    });

    test("the login records the last sign-in in its transaction; the session check never writes it", async () => {
      const user = await createUser(t, "user", "last@sign-in.test");
      assert.equal(await t.store.getLastLogin(user.id), null);
      const device = await signIn(t, user);
      const at = t.clock.now();
      assert.equal(await t.store.getLastLogin(user.id), at);
      t.clock.advance(5 * 60_000);
      assert.equal((await device.get("/api/account")).statusCode, 200);
      assert.equal(await t.store.getLastLogin(user.id), at, "a request with the session is no sign-in");
      assert.equal(
        (await t.store.getUserById(user.id))?.updatedAt,
        user.updatedAt,
        "signing in changes no account field",
      );
      const detail = await viewer.get(`/admin/users/${user.id}`);
      assert.match(detail.body, /<dt>Last sign-in<\/dt><dd>\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC<\/dd>/);
    });
  });

  describe(`issue 16: bulk acts, user detail and who gets which control (${engine})`, () => {
    let t: TestApp;
    let root: { user: UserRecord; device: HttpClient };
    before(async () => {
      t = await startTestApp(engine);
      root = await createSignedInUser(t, "superuser");
    });
    after(() => t.close());

    test("bulk delete of 4 users, one the last superuser (the viewer): the plan says so, then 3 done and 1 refused", async () => {
      assert.equal(await t.store.countActiveSuperusers(), 1);
      const targets = [await createUser(t, "user"), await createUser(t, "admin"), await createUser(t, "user")];
      await signIn(t, targets[0] as UserRecord);
      const ids = [...targets.map((user) => user.id), root.user.id];
      const query = new URLSearchParams([["act", "delete"], ...ids.map((id): [string, string] => ["id", id])]);
      const plan = await root.device.get(`/admin/users/bulk?${query.toString()}`);
      assert.equal(plan.statusCode, 200, plan.body);
      assert.equal((plan.body.match(/Erased now/g) ?? []).length, 3);
      assert.match(plan.body, /1 session end/);
      assert.match(plan.body, new RegExp(`${root.user.email}</td><td><strong>Will be refused:</strong>`));
      assert.match(plan.body, /SELF_ACTION_FORBIDDEN/);
      assert.equal(await t.store.countUsers(), 4, "the plan changed nothing");

      leaveReauthWindow(t);
      const fields = { _csrf: csrfOf(plan.body), act: "delete", reason: "left the company" };
      const stale = await root.device.request("POST", "/admin/users/bulk", bulkForm(fields, ids));
      assert.equal(stale.statusCode, 403);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /left the company<\/textarea>/, "the reason typed is kept");
      assert.equal(await t.store.countUsers(), 4, "nothing was deleted without the step-up");

      const done = await root.device.request(
        "POST",
        "/admin/users/bulk",
        bulkForm({ ...fields, password: goodPassword }, ids),
      );
      assert.equal(done.statusCode, 200, done.body);
      assert.match(done.body, /3 done, 1 refused/);
      assert.equal((done.body.match(/<strong>Done:<\/strong> Erased/g) ?? []).length, 3);
      assert.match(done.body, /<strong>Refused:<\/strong>[^<]*<code>SELF_ACTION_FORBIDDEN<\/code>/);
      for (const target of targets) assert.equal(await t.store.getUserById(target.id), null);
      assert.notEqual(await t.store.getUserById(root.user.id), null);
      const deletions = await auditOf(t, { actorId: root.user.id, action: "users.delete", outcome: "success" });
      assert.equal(deletions.length, 3, "one audit row per user, from the one deletion use case");
      assert.ok(deletions.every((entry) => entry.note === "left the company"));
    });

    test("a forged bulk POST without the CSRF token, or cross-site, is refused and changes nothing", async () => {
      const victim = await createUser(t, "user");
      const body = bulkForm({ act: "delete", password: goodPassword }, [victim.id]);
      const forged = await root.device.request("POST", "/admin/users/bulk", {
        ...body,
        bare: true,
        headers: { ...body.headers, "sec-fetch-site": "same-origin" },
      });
      assert.equal(forged.statusCode, 403);
      const crossSite = await root.device.request("POST", "/admin/users/bulk", {
        ...body,
        bare: true,
        headers: { ...body.headers, "sec-fetch-site": "cross-site", origin: "https://evil.test" },
      });
      assert.equal(crossSite.statusCode, 403);
      assert.notEqual(await t.store.getUserById(victim.id), null);
    });

    test("hostile ids in a selection are a 400 before any act, and nothing changes", async () => {
      const victim = await createUser(t, "user");
      const csrf = csrfOf((await root.device.get("/admin/users")).body);
      const many = Array.from({ length: 101 }, () => victim.id);
      for (const ids of [["../../api/users"], ["' OR 1=1 --"], [""], [victim.id.toUpperCase()], many, []]) {
        const posted = await root.device.request(
          "POST",
          "/admin/users/bulk",
          bulkForm({ _csrf: csrf, act: "delete", password: goodPassword }, ids),
        );
        assert.equal(posted.statusCode, 400, `${ids.slice(0, 1)} x${ids.length}`);
        const query = new URLSearchParams([["act", "disable"], ...ids.map((id): [string, string] => ["id", id])]);
        assert.equal((await root.device.get(`/admin/users/bulk?${query.toString()}`)).statusCode, 400);
      }
      const act = await root.device.request(
        "POST",
        "/admin/users/bulk",
        bulkForm({ _csrf: csrf, act: "purge" }, [victim.id]),
      );
      assert.equal(act.statusCode, 400);
      assert.equal((await t.store.getUserById(victim.id))?.status, "active");
    });

    test("bulk disable and end-sessions run per user; ranks hold (an admin cannot disable an admin)", async () => {
      const admin = await createSignedInUser(t, "admin");
      const peer = await createUser(t, "admin");
      const worker = await createUser(t, "user");
      const phone = await signIn(t, worker);
      const query = new URLSearchParams([
        ["act", "disable"],
        ["id", peer.id],
        ["id", worker.id],
      ]);
      const plan = await admin.device.get(`/admin/users/bulk?${query.toString()}`);
      assert.match(plan.body, new RegExp(`${peer.email}</td><td><strong>Will be refused:</strong>`));
      assert.match(plan.body, /Disabled; 1 session end/);
      const done = await admin.device.request(
        "POST",
        "/admin/users/bulk",
        bulkForm({ _csrf: csrfOf(plan.body), act: "disable", reason: "audit" }, [peer.id, worker.id]),
      );
      assert.match(done.body, /1 done, 1 refused/);
      assert.equal((await phone.get("/api/account")).statusCode, 401, "the disabled user's session is dead");
      assert.equal((await t.store.getUserById(peer.id))?.status, "active");
    });

    test("a viewer without the permission gets no controls and a 403 on every POST", async () => {
      const plain = await createSignedInUser(t, "user");
      const target = await createUser(t, "user");
      assert.equal((await plain.device.get("/admin/users")).statusCode, 403);
      assert.equal((await plain.device.get(`/admin/users/${target.id}`)).statusCode, 403);
      const csrf = csrfOf((await plain.device.get("/account")).body);
      for (const [path, fields] of [
        ["/admin/users/bulk", bulkForm({ _csrf: csrf, act: "delete", password: goodPassword }, [target.id])],
        [`/admin/users/${target.id}/status`, form({ _csrf: csrf, status: "disabled", reason: "x" })],
        [`/admin/users/${target.id}/sessions/revoke`, form({ _csrf: csrf })],
        ["/admin/users/new", form({ _csrf: csrf, email: "x@new.test", role: "user", access: "link" })],
      ] as const) {
        assert.equal((await plain.device.request("POST", path, fields)).statusCode, 403, path);
      }
      assert.equal((await t.store.getUserById(target.id))?.status, "active");
      assert.equal(await t.store.getUserByEmail("x@new.test"), null);
    });

    test("an admin on a superuser's page is offered no control, and a POST anyway is refused", async () => {
      const admin = await createSignedInUser(t, "admin");
      const page = await admin.device.get(`/admin/users/${root.user.id}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(
        page.body,
        /<form method="post" action="\/admin\/users\/[^"]+\/(role|status|restore|sessions)/,
      );
      assert.doesNotMatch(page.body, /Delete this user|Disable…|End every session|Create recovery link/);
      assert.match(page.body, /You cannot change this account: You can only act on users ranked below you\./);
      const refused = await admin.device.request(
        "POST",
        `/admin/users/${root.user.id}/status`,
        form({ _csrf: csrfOf(page.body), status: "disabled", password: goodPassword }),
      );
      assert.equal(refused.statusCode, 403);
      assert.equal((await t.store.getUserById(root.user.id))?.status, "active");
    });

    test("role choices are the roles the viewer may grant; the notice says what changed and how many sessions ended", async () => {
      const admin = await createSignedInUser(t, "admin");
      const target = await createUser(t, "user");
      await signIn(t, target);
      await signIn(t, target);
      const asAdmin = await admin.device.get(`/admin/users/${target.id}`);
      assert.doesNotMatch(asAdmin.body, /name="role"/, "an admin can grant no role but the one it has");
      const asRoot = await root.device.get(`/admin/users/${target.id}`);
      assert.deepEqual(
        [...asRoot.body.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]),
        ["user", "admin", "superuser"],
      );
      const changed = await root.device.request(
        "POST",
        `/admin/users/${target.id}/role`,
        form({ _csrf: csrfOf(asRoot.body), role: "admin", password: goodPassword }),
      );
      assert.equal(changed.statusCode, 303);
      const location = changed.headers.location as string;
      const shown = await root.device.get(location);
      assert.match(shown.body, /Role changed from user to admin; 2 sessions ended\./);
      // A link made by someone else, or the real one edited, or carried to another user's page, says nothing.
      const forged = [
        location.replace("to=admin", "to=superuser"),
        location.replace(/sig=[^&#]+/, "sig=AAAAAAAAAAAAAAAAAAAAAA"),
        location.replace(/&?sig=[^&#]+/, ""),
        location.replace(target.id, admin.user.id),
      ];
      for (const url of forged) {
        assert.notEqual(url, location);
        const page = await root.device.get(url);
        assert.equal(page.statusCode, 200, url);
        assert.doesNotMatch(page.body, /Role changed/, url);
      }
    });

    test("disable asks for a confirmation and a reason (audited), keeps it through the step-up, says what ended", async () => {
      const target = await createUser(t, "admin");
      const laptop = await signInWithAgent(t, target, chrome);
      await signIn(t, target);
      const token = await t.store.transaction(async (tx) => {
        const record = {
          id: "tok-disable-test",
          ownerId: target.id,
          name: "cron",
          scopes: ["users:read" as const],
          secretHash: "x".repeat(64),
          createdAt: t.clock.now(),
          expiresAt: t.clock.now() + 86_400_000,
          lastUsedAt: null,
        };
        await tx.insertApiToken(record);
        return record;
      });
      const confirm = await root.device.get(`/admin/users/${target.id}/status?to=disabled`);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /2 sessions and 1 API token end at once/);
      leaveReauthWindow(t);
      const fields = { _csrf: csrfOf(confirm.body), status: "disabled", reason: "contract ended" };
      const stale = await root.device.request("POST", `/admin/users/${target.id}/status`, form(fields));
      assert.equal(stale.statusCode, 403);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /contract ended<\/textarea>/);
      const bad = await root.device.request(
        "POST",
        `/admin/users/${target.id}/status`,
        form({ ...fields, reason: "a\u202Eb", password: goodPassword }),
      );
      assert.equal(bad.statusCode, 400, "an unreadable reason changes nothing");
      assert.equal((await t.store.getUserById(target.id))?.status, "active");
      const done = await root.device.request(
        "POST",
        `/admin/users/${target.id}/status`,
        form({ ...fields, password: goodPassword }),
      );
      assert.equal(done.statusCode, 303, done.body);
      const shown = await root.device.get(done.headers.location as string);
      assert.match(shown.body, /Disabled: 2 sessions and 1 API token ended\./);
      assert.match(shown.body, /Enable…/);
      assert.equal((await laptop.get("/api/account")).statusCode, 401);
      assert.deepEqual(await t.store.listUserApiTokens(token.ownerId), []);
      const [row] = await auditOf(t, { targetId: target.id, action: "users.update", outcome: "success" });
      assert.equal(row?.note, "contract ended");
      const enabled = await root.device.request(
        "POST",
        `/admin/users/${target.id}/status`,
        form({ _csrf: fields._csrf, status: "active", password: goodPassword }),
      );
      assert.match(
        (await root.device.get(enabled.headers.location as string)).body,
        /Enabled: the user can sign in again\./,
      );
    });

    test("sessions are named by browser, the current device first; one session or all can be ended", async () => {
      const target = await createUser(t, "user");
      const laptop = await signInWithAgent(t, target, chrome);
      const desktop = await signInWithAgent(t, target, firefox);
      const own = await desktop.get("/account");
      assert.match(own.body, /<tr class="current-device">\s*<td>Firefox on Windows <span class="badge current">/);
      assert.match(own.body, /Chrome on Linux/);
      assert.doesNotMatch(own.body, /Mozilla\/5\.0/, "no raw User-Agent strings");
      const detail = await root.device.get(`/admin/users/${target.id}`);
      const laptopSession = (await t.store.listUserSessions(target.id)).find((s) => s.userAgent === chrome);
      assert.ok(laptopSession !== undefined);
      const ended = await root.device.request(
        "POST",
        `/admin/users/${target.id}/sessions/${laptopSession.id}/revoke`,
        form({ _csrf: csrfOf(detail.body) }),
      );
      assert.equal(ended.statusCode, 303);
      assert.match((await root.device.get(ended.headers.location as string)).body, /That session is ended/);
      assert.equal((await laptop.get("/api/account")).statusCode, 401);
      assert.equal((await desktop.get("/api/account")).statusCode, 200);
      const other = await root.device.request(
        "POST",
        `/admin/users/${root.user.id}/sessions/${laptopSession.id}/revoke`,
        form({ _csrf: csrfOf(detail.body) }),
      );
      assert.notEqual(other.statusCode, 303, "a session id under another user ends nothing");
      const all = await root.device.request(
        "POST",
        `/admin/users/${target.id}/sessions/revoke`,
        form({ _csrf: csrfOf(detail.body) }),
      );
      assert.match(
        (await root.device.get(all.headers.location as string)).body,
        /Signed out everywhere: 1 session ended\./,
      );
      assert.equal((await desktop.get("/api/account")).statusCode, 401);
    });

    test("add user: roles limited to what the viewer may grant, a recovery link at once, the form kept through a refusal", async () => {
      const admin = await createSignedInUser(t, "admin");
      const form1 = await admin.device.get("/admin/users/new");
      assert.deepEqual(
        [...form1.body.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]),
        ["user"],
      );
      const csrf = csrfOf(form1.body);
      const raised = await admin.device.request(
        "POST",
        "/admin/users/new",
        form({
          _csrf: csrf,
          email: "raise@new.test",
          name: "Raised",
          role: "admin",
          access: "link",
          password: goodPassword,
        }),
      );
      assert.equal(raised.statusCode, 403);
      assert.equal(await t.store.getUserByEmail("raise@new.test"), null);
      leaveReauthWindow(t);
      const fields = { _csrf: csrf, email: "new@new.test", name: "Nadia New", role: "user", access: "link" };
      const stale = await admin.device.request("POST", "/admin/users/new", form(fields));
      assert.equal(stale.statusCode, 403);
      assert.match(stale.body, /value="new@new.test"/);
      assert.match(stale.body, /value="Nadia New"/);
      assert.equal(await t.store.getUserByEmail("new@new.test"), null, "asked before the account exists");
      const made = await admin.device.request("POST", "/admin/users/new", form({ ...fields, password: goodPassword }));
      assert.equal(made.statusCode, 200, made.body);
      assert.match(made.body, /ghr_[A-Za-z0-9_-]+/);
      assert.equal(made.headers["cache-control"], "no-store");
      const withPassword = await admin.device.request(
        "POST",
        "/admin/users/new",
        form({ _csrf: csrf, email: "pw@new.test", role: "user", access: "password", newPassword: goodPassword }),
      );
      assert.equal(withPassword.statusCode, 303, withPassword.body);
      await signIn(t, { email: "pw@new.test" });
    });
  });
}
