import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertScimError, newScimUser, patchOp, ScimClient, type ScimUserBody } from "../support/scim.ts";
import { snapshotStore } from "../support/store-snapshot.ts";
import { createTokenOwner, type TokenOwner } from "../support/tokens.ts";

/**
 * Hostile SCIM input: every request here is refused with a 4xx SCIM error (never a 5xx, a stack or SQL) and
 * leaves users, sessions and external ids exactly as they were.
 */
for (const engine of engines) {
  describe(`SCIM hostile input (${engine})`, () => {
    let t: TestApp;
    let owner: TokenOwner;
    let scim: ScimClient;
    let victim: ScimUserBody;

    before(async () => {
      t = await startTestApp(engine);
      owner = await createTokenOwner(t, "admin", ["scim"]);
      scim = new ScimClient(owner.service);
      const created = await scim.post(
        "/scim/v2/Users",
        newScimUser(`victim-${process.pid}@idp.example`, { externalId: "v-1" }),
      );
      assert.equal(created.statusCode, 201, created.body);
      victim = created.json() as ScimUserBody;
      await createUser(t, "user");
    });
    after(() => t.close());

    async function unchanged(requests: () => Promise<void>): Promise<void> {
      const before = await snapshotStore(t);
      const externalIds = await t.store.getProvisionedUser(victim.id);
      await requests();
      assert.deepEqual(await snapshotStore(t), before);
      assert.deepEqual(await t.store.getProvisionedUser(victim.id), externalIds);
    }

    test("huge, malformed and injected filters: 400 invalidFilter (or invalidValue for text no query may hold)", async () => {
      await unchanged(async () => {
        const filters = [
          `userName eq "${"a".repeat(20_000)}"`,
          `${"(".repeat(2000)}id eq "a"${")".repeat(2000)}`,
          Array.from({ length: 500 }, (_, i) => `id eq "${i}"`).join(" or "),
          `userName eq "x" or 1 eq 1`,
          `userName eq "x"; DROP TABLE users; --`,
          `userName[eq "x"]`,
          "]]]]",
          `emails[type eq "work"].value eq ${"[".repeat(50)}`,
        ];
        for (const filter of filters) {
          const response = await scim.get(`/scim/v2/Users?filter=${encodeURIComponent(filter)}`);
          assert.equal(response.statusCode, 400, filter.slice(0, 60));
          assertScimError(response, 400, "INVALID_FILTER", "invalidFilter");
        }
        // Quotes and escapes inside a string are that string's text: they match nothing, they break out of nothing.
        for (const filter of [
          `userName eq "x\\" OR \\"1\\"=\\"1"`,
          `userName eq "\\u0000"`,
          `externalId eq "' OR '1'='1"`,
        ]) {
          const response = await scim.get(`/scim/v2/Users?filter=${encodeURIComponent(filter)}`);
          assert.equal(response.statusCode, 200, `${filter}: ${response.body}`);
          assert.equal((response.json() as { totalResults: number }).totalResults, 0);
        }
        assertScimError(
          await scim.get("/scim/v2/Users?filter=userName%20eq%20%22%00%22"),
          400,
          "VALIDATION_FAILED",
          "invalidValue",
        );
        assertScimError(await scim.get("/scim/v2/Users?filter=a&filter=b"), 400, "VALIDATION_FAILED", "invalidValue");
      });
    });

    test("deep, large, poisoned and malformed bodies: 4xx, nothing created or changed", async () => {
      await unchanged(async () => {
        const deep = `${'{"a":'.repeat(2000)}1${"}".repeat(2000)}`;
        for (const [payload, status, code] of [
          [deep, 400, "MALFORMED_BODY"],
          [`[${"[".repeat(5000)}${"]".repeat(5000)}]`, 400, "MALFORMED_BODY"],
          [
            JSON.stringify(newScimUser("big@idp.example", { displayName: "x".repeat(20_000) })),
            413,
            "PAYLOAD_TOO_LARGE",
          ],
          ['{"__proto__": {"admin": true}, "schemas": [], "userName": "p@idp.example"}', 400, "MALFORMED_BODY"],
          ['{"constructor": {"prototype": {"x": 1}}}', 400, "MALFORMED_BODY"],
          [
            '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "\\ud800@idp.example"}',
            400,
            "VALIDATION_FAILED",
          ],
          ["", 400, "MALFORMED_BODY"],
          ["null", 400, "MALFORMED_BODY"],
          ['"a string"', 400, "MALFORMED_BODY"],
        ] as const) {
          const response = await scim.send("POST", "/scim/v2/Users", payload);
          assert.ok(response.statusCode < 500, `${payload.slice(0, 40)}: ${response.statusCode}`);
          assertScimError(
            response,
            status,
            code,
            status === 413 ? undefined : code === "MALFORMED_BODY" ? "invalidSyntax" : "invalidValue",
          );
        }
        const deepPatch = patchOp({
          op: "replace",
          path: "name",
          value: JSON.parse(`${'{"a":'.repeat(30)}1${"}".repeat(30)}`),
        });
        assert.equal((await scim.patch(`/scim/v2/Users/${victim.id}`, deepPatch)).statusCode, 400);
      });
    });

    test("look-alike, invisible and non-string userNames; non-string attribute values", async () => {
      await unchanged(async () => {
        const [local, domain] = victim.userName.split("@") as [string, string];
        for (const [userName, code, scimType] of [
          [`${local.replace("i", "\u0456")}@${domain}`, "EMAIL_TAKEN", "uniqueness"],
          [`${local}@${domain.replace("e", "\u0435")}`, "EMAIL_TAKEN", "uniqueness"],
          [`\uff56${local.slice(1)}@${domain}`, "EMAIL_TAKEN", "uniqueness"], // fullwidth v folds to v
          [`${local}\u200b@${domain}`, "VALIDATION_FAILED", "invalidValue"],
          [`${local}\u202e@${domain}`, "VALIDATION_FAILED", "invalidValue"],
        ] as const) {
          const status = code === "EMAIL_TAKEN" ? 409 : 400;
          assertScimError(await scim.post("/scim/v2/Users", newScimUser(userName)), status, code, scimType);
        }
        for (const extra of [
          { userName: ["a@idp.example"] },
          { userName: { value: "a@idp.example" } },
          { userName: null },
          { displayName: 7 },
          { name: { givenName: true } },
          { name: { formatted: ["x"] } },
          { active: 1 },
          { active: "yes" },
          { externalId: 12 },
          { externalId: "x".repeat(513) },
          { emails: [{ value: 1 }] },
        ]) {
          const response = await scim.post("/scim/v2/Users", { ...newScimUser("fresh@idp.example"), ...extra });
          assertScimError(response, 400, "VALIDATION_FAILED", "invalidValue");
        }
        assertScimError(
          await scim.patch(
            `/scim/v2/Users/${victim.id}`,
            patchOp({ op: "replace", path: "externalId", value: { x: 1 } }),
          ),
          400,
          "VALIDATION_FAILED",
          "invalidValue",
        );
      });
    });

    test("ids that name nothing, path tricks and methods: 404 or 405, SCIM-shaped", async () => {
      await unchanged(async () => {
        for (const id of ["nope", "' OR 1=1 --", "%2e%2e", "a".repeat(100), victim.id.toUpperCase()]) {
          assertScimError(await scim.get(`/scim/v2/Users/${encodeURIComponent(id)}`), 404, "USER_NOT_FOUND");
          assertScimError(await scim.delete(`/scim/v2/Users/${encodeURIComponent(id)}`), 404, "USER_NOT_FOUND");
        }
        // Past the router's parameter length: refused before routing, still as a SCIM error.
        assertScimError(await scim.get(`/scim/v2/Users/${"a".repeat(200)}`), 400, "VALIDATION_FAILED", "invalidValue");
        assertScimError(await scim.get("/scim/v2/Users/"), 404, "USER_NOT_FOUND");
        assertScimError(await scim.get("/scim/v2/users"), 404, "NOT_FOUND");
        // `.search` reads as an id: /Users/{id} has no POST.
        assertScimError(await scim.post("/scim/v2/Users/.search", {}), 405, "METHOD_NOT_ALLOWED");
        assertScimError(await scim.send("POST", `/scim/v2/Users/${victim.id}`, {}), 405, "METHOD_NOT_ALLOWED");
      });
    });

    test("a scim token owned by an admin cannot reach what its owner cannot: every refusal audited", async () => {
      const superuser = await createUser(t, "superuser");
      await unchanged(async () => {
        const before = (await t.store.listAudit({ limit: 1 }))[0]?.seq ?? 0;
        assertScimError(
          await scim.patch(`/scim/v2/Users/${superuser.id}`, patchOp({ op: "replace", value: { active: false } })),
          403,
          "FORBIDDEN",
        );
        assertScimError(await scim.delete(`/scim/v2/Users/${superuser.id}`), 403, "FORBIDDEN");
        const rows = (await t.store.listAudit({ limit: 10 })).filter((entry) => entry.seq > before);
        assert.equal(rows.filter((entry) => entry.outcome === "denied" && entry.targetId === superuser.id).length, 2);
      });
    });
  });
}
