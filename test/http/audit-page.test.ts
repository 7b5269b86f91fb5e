import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { auditEntry } from "../../src/domain/audit/audit-entry.ts";
import { peopleNamedBy } from "../../src/domain/audit/audit-log.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { Store } from "../../src/domain/ports.ts";
import { auditExport, exportPageSize } from "../../src/web/pages/audit-export.ts";
import { shortId } from "../../src/web/pages/audit-people.ts";
import { adminDeletes, createSignedInUser, createUser, type SignedInUser, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";

/** A store whose named reads are counted: how many queries a page or an export costs. */
function counting(store: Store, verbs: readonly (keyof Store)[]) {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || !verbs.includes(name as keyof Store)) {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: (verb: keyof Store) => calls.get(verb) ?? 0 };
}

async function readAll(stream: Readable): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text;
}

const rows = (body: string) => (body.match(/<tr[ >]/g) ?? []).length - 1;
const january15 = Date.UTC(2026, 0, 15, 9, 30);
const bulkCount = exportPageSize * 2 + 50;
const formula = '=HYPERLINK("http://evil.example","click")';

/** Issue 16.3: the audit log page in people's terms, its filters, its exports and its verification marks. */
for (const engine of engines) {
  describe(`issue 16.3: the audit log in people's terms (${engine})`, () => {
    let t: TestApp;
    let root: SignedInUser;
    let admin: SignedInUser;
    let aliceId = "";
    let goneId = "";

    before(async () => {
      t = await startTestApp(engine);
      root = await createSignedInUser(t, "superuser");
      admin = await createSignedInUser(t, "admin");
      const alice = await createUser(t, "user", "alice.audit@example.test");
      aliceId = alice.id;
      await signInMany(t, alice, 3);
      assert.equal((await root.device.patch(`/api/users/${alice.id}`, { role: "admin" })).statusCode, 200);
      assert.equal((await root.device.patch(`/api/users/${alice.id}`, { status: "disabled" })).statusCode, 200);
      assert.equal((await root.device.patch(`/api/users/${alice.id}`, { status: "active" })).statusCode, 200);
      const gone = await createUser(t, "user", "gone.person@example.test");
      goneId = gone.id;
      await adminDeletes(admin.device, gone.id, formula);
      // Many entries on one earlier day, written as the CLI would: more than two pages of an export.
      await t.store.transaction(async (tx) => {
        for (let i = 0; i < bulkCount; i += 1) {
          await tx.appendAudit(
            auditEntry({ type: "cli" }, noRequest, january15 + i, {
              action: "tokens.revoke",
              outcome: "success",
              targetId: aliceId,
              details: { tokenId: `token-${i}` },
            }),
          );
        }
      });
    });
    after(() => t.close());

    test("actor and target are e-mail links to their pages, and details are sentences", async () => {
      const page = await root.device.get(`/admin/audit?targetId=${aliceId}&action=users.update`);
      assert.equal(page.statusCode, 200);
      assert.equal(rows(page.body), 3);
      assert.match(page.body, new RegExp(`<a href="/admin/users/${aliceId}">alice.audit@example.test</a>`));
      assert.match(page.body, new RegExp(`<a href="/admin/users/${root.user.id}">${root.user.email}</a>`));
      assert.match(page.body, /Role changed from user to admin; 3 sessions ended\./);
      assert.match(page.body, /Disabled\./);
      assert.match(page.body, /Enabled\./);
      assert.doesNotMatch(page.body, /fromRole|sessionsRevoked|nameChanged|=null|status=/);
    });

    test("the people of a page are looked up in one query, not one per row", async () => {
      const entries = await auditOf(t, {});
      assert.ok(entries.length >= 10);
      const probe = counting(t.store, ["getUserEmails", "getUserById", "getUserByEmail"]);
      const people = await peopleNamedBy({ ...t.deps, store: probe.store } as Deps, entries);
      assert.equal(probe.calls("getUserEmails"), 1);
      assert.equal(probe.calls("getUserById") + probe.calls("getUserByEmail"), 0);
      assert.equal(people.get(aliceId), "alice.audit@example.test");
    });

    test("an erased person is 'erased user' and a short id, never their old address; the CLI is named", async () => {
      const page = await root.device.get(`/admin/audit?targetId=${goneId}`);
      assert.equal(page.statusCode, 200);
      assert.ok(rows(page.body) >= 2, "the creation and the deletion");
      assert.match(page.body, new RegExp(`erased user <span class="mono" title="${goneId}">${shortId(goneId)}</span>`));
      assert.doesNotMatch(page.body, /gone\.person/);
      assert.match(page.body, /Command line \(operator\)/);
      assert.match(page.body, /Deleted the user; erased at once\./);
    });

    test("the action picker, outcome and date range filter; an empty result says so; a bad range is a 400", async () => {
      const deletions = await root.device.get("/admin/audit?action=users.delete&outcome=success");
      assert.match(deletions.body, /<option value="users\.delete" selected>User deleted<\/option>/);
      assert.equal(rows(deletions.body), 1);

      const day = await root.device.get("/admin/audit?from=2026-01-15&to=2026-01-15");
      assert.equal(rows(day.body), 50, "a full page of that day's entries");
      assert.match(day.body, /Older entries/);
      assert.match(day.body, /from=2026-01-15&amp;to=2026-01-15&amp;before=/, "paging keeps the range");
      assert.doesNotMatch(day.body, /<td data-label="Action">Sign-in<\/td>/, "nothing from another day");

      const none = await root.device.get("/admin/audit?from=2026-01-16&to=2026-01-20");
      assert.equal(none.statusCode, 200);
      assert.match(none.body, /No entries match\./);
      assert.doesNotMatch(none.body, /<table/);
      const refused = await root.device.get("/admin/audit?outcome=failure&action=users.delete");
      assert.match(refused.body, /No entries match\./);

      assert.equal((await root.device.get("/admin/audit?from=2026-01-20&to=2026-01-16")).statusCode, 400);
      assert.equal((await root.device.get("/admin/audit?from=2026-02-30")).statusCode, 400);
      assert.equal((await root.device.get("/admin/audit?from=1768464000000")).statusCode, 400);
    });

    test("the CSV export is the filtered view, an attachment, with formulas neutralised", async () => {
      const csv = await root.device.get("/admin/audit/export?format=csv&action=users.delete");
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers["content-type"]), /^text\/csv/);
      assert.equal(csv.headers["content-disposition"], 'attachment; filename="gatehouse-audit.csv"');
      const lines = csv.body.trimEnd().split("\r\n");
      assert.equal(lines.length, 2, "the header and the one deletion");
      assert.match(lines[0] ?? "", /^entry,time_utc,actor,/);
      assert.match(lines[1] ?? "", new RegExp(`"${admin.user.email}"`));
      assert.match(lines[1] ?? "", /"erased user [0-9a-f]{8}"/);
      assert.ok(lines[1]?.endsWith(`"'=HYPERLINK(""http://evil.example"",""click"")"`), lines[1]);
      assert.doesNotMatch(csv.body, /gone\.person/);
    });

    test("the JSON lines export streams every page of the range, newest first", async () => {
      const jsonl = await root.device.get("/admin/audit/export?format=jsonl&from=2026-01-15&to=2026-01-15");
      assert.equal(jsonl.statusCode, 200);
      assert.equal(jsonl.headers["content-disposition"], 'attachment; filename="gatehouse-audit.jsonl"');
      assert.match(String(jsonl.headers["content-type"]), /^application\/x-ndjson/);
      const entries = jsonl.body
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { seq: number; action: string; target: { email: string } });
      assert.equal(entries.length, bulkCount);
      assert.ok(entries.every((e) => e.action === "tokens.revoke" && e.target.email === "alice.audit@example.test"));
      assert.deepEqual(
        entries.map((e) => e.seq),
        [...entries.map((e) => e.seq)].sort((a, b) => b - a),
      );
    });

    test("an export reads the log a page at a time as it is sent, never the whole log at once", async () => {
      const probe = counting(t.store, ["listAudit", "getUserEmails"]);
      const deps = { ...t.deps, store: probe.store } as Deps;
      const actor = { type: "cli" } as const;
      const range = { since: january15, until: january15 + 86_400_000 };
      const started = await auditExport(deps, actor, range, noRequest, "csv");
      assert.ok(started.ok);
      assert.equal(probe.calls("listAudit"), 1, "one page read before the first byte");
      const text = await readAll(started.stream);
      assert.equal(text.trimEnd().split("\r\n").length, bulkCount + 1);
      const pages = Math.ceil(bulkCount / exportPageSize);
      assert.equal(probe.calls("listAudit"), pages, "one read per page");
      assert.equal(probe.calls("getUserEmails"), pages, "one people lookup per page");
    });

    test("an export is refused to a non-admin, with no file", async () => {
      const user = await createSignedInUser(t);
      const refused = await user.device.get("/admin/audit/export?format=csv");
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.headers["content-disposition"], undefined);
      assert.equal((await root.device.get("/admin/audit/export?format=xlsx")).statusCode, 400);
    });

    test("verification marks the tampered entry in the table with a class and a sentence", async () => {
      const [deletion] = await auditOf(t, { action: "users.delete" });
      assert.ok(deletion !== undefined);
      await rawQuery(t.database, "UPDATE audit_log SET at = at + 1 WHERE seq = ?", [deletion.seq]);
      try {
        const view = await root.device.get("/admin/audit?action=users.delete");
        assert.doesNotMatch(view.body, /class="broken"/, "a page view verifies nothing");
        const verified = await root.device.get("/admin/audit?action=users.delete&verify=1");
        assert.match(verified.body, new RegExp(`<tr class="broken" id="entry-${deletion.seq}">`));
        assert.match(verified.body, /<span class="broken-note">The first broken entry: the entry was altered/);
        assert.match(verified.body, new RegExp(`the first is entry ${deletion.seq}`));
      } finally {
        await rawQuery(t.database, "UPDATE audit_log SET at = at - 1 WHERE seq = ?", [deletion.seq]);
      }
      const healed = await root.device.get("/admin/audit?verify=1");
      assert.match(healed.body, /The chain is verified/);
      assert.doesNotMatch(healed.body, /class="broken"/);
    });
  });
}
