import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, goodPassword, loginFrom } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import {
  assertScimError,
  newScimUser,
  patchOp,
  ScimClient,
  type ScimListBody,
  type ScimUserBody,
  scimUserSchema,
} from "../support/scim.ts";
import { createTokenOwner, type TokenOwner } from "../support/tokens.ts";

const invalidToken = 'Bearer realm="gatehouse", error="invalid_token"';
const insufficientScope = 'Bearer realm="gatehouse", error="insufficient_scope"';

let sequence = 0;
function userName(label = "scim"): string {
  sequence += 1;
  return `${label}-${sequence}-${process.pid}@idp.example`;
}

const filterUrl = (filter: string, extra = "") => `/scim/v2/Users?filter=${encodeURIComponent(filter)}${extra}`;

for (const engine of engines) {
  describe(`SCIM service provider (${engine})`, () => {
    let t: TestApp;
    let admin: TokenOwner;
    let scim: ScimClient;

    before(async () => {
      t = await startTestApp(engine);
      admin = await createTokenOwner(t, "admin", ["scim"]);
      scim = new ScimClient(admin.service);
    });
    after(() => t.close());

    async function provision(extra: Record<string, unknown> = {}, name = userName()): Promise<ScimUserBody> {
      const response = await scim.post("/scim/v2/Users", newScimUser(name, extra));
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as ScimUserBody;
    }

    test("discovery: ServiceProviderConfig, Schemas and ResourceTypes, as application/scim+json", async () => {
      const config = await scim.get("/scim/v2/ServiceProviderConfig");
      assert.equal(config.statusCode, 200, config.body);
      assert.match(String(config.headers["content-type"]), /^application\/scim\+json/);
      const body = config.json() as Record<string, { supported: boolean; maxResults?: number }>;
      assert.equal(body.changePassword?.supported, false);
      assert.equal(body.bulk?.supported, false);
      assert.equal(body.sort?.supported, false);
      assert.equal(body.patch?.supported, true);
      assert.deepEqual(body.filter, { supported: true, maxResults: 100 });
      const schemas = (await scim.get("/scim/v2/Schemas")).json() as ScimListBody;
      assert.equal(schemas.totalResults, 1);
      const schema = await scim.get(`/scim/v2/Schemas/${scimUserSchema}`);
      assert.equal(schema.statusCode, 200, schema.body);
      assert.equal((schema.json() as { id: string }).id, scimUserSchema);
      const types = (await scim.get("/scim/v2/ResourceTypes")).json() as ScimListBody;
      assert.equal(types.totalResults, 1);
      const type = await scim.get("/scim/v2/ResourceTypes/User");
      assert.equal((type.json() as { endpoint: string }).endpoint, "/Users");
      assertScimError(await scim.get("/scim/v2/ResourceTypes/Group"), 404, "NOT_FOUND");
      assertScimError(await scim.get("/scim/v2/Schemas/urn:nope"), 404, "NOT_FOUND");
    });

    test("other methods are 405 with Allow and unknown SCIM paths 404, both SCIM-shaped", async () => {
      const wrong = await scim.send("DELETE", "/scim/v2/ServiceProviderConfig");
      assertScimError(wrong, 405, "METHOD_NOT_ALLOWED");
      assert.match(String(wrong.headers.allow), /GET/);
      assertScimError(await scim.send("POST", "/scim/v2/Schemas", {}), 405, "METHOD_NOT_ALLOWED");
      assertScimError(await scim.send("PUT", "/scim/v2/Users", {}), 405, "METHOD_NOT_ALLOWED");
      assertScimError(await scim.get("/scim/v2/Groups"), 404, "NOT_FOUND");
      assertScimError(await scim.post("/scim/v2/Bulk", {}), 404, "NOT_FOUND");
      const anonymous = await t.client().get("/scim/v2/Nope");
      assertScimError(anonymous, 404, "NOT_FOUND");
      assert.equal(anonymous.headers["x-content-type-options"], "nosniff");
    });

    test("bearer only: none, a cookie alone, a cookie with a token, a token without the scim scope", async () => {
      const none = await t.client().get("/scim/v2/Users");
      assertScimError(none, 401, "INVALID_TOKEN");
      assert.equal(none.headers["www-authenticate"], invalidToken);
      const signedIn = await createSignedInUser(t, "superuser");
      const cookie = await signedIn.device.get("/scim/v2/Users");
      assertScimError(cookie, 401, "INVALID_TOKEN");
      assert.equal(cookie.headers["www-authenticate"], invalidToken);
      const both = signedIn.device.clone();
      both.bearer = admin.issued.token;
      assertScimError(await both.get("/scim/v2/Users"), 400, "AMBIGUOUS_CREDENTIALS");
      const garbage = new ScimClient(t.client());
      garbage.http.bearer = "gatehouse_nope";
      assertScimError(await garbage.get("/scim/v2/Users"), 401, "INVALID_TOKEN");

      const writer = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const before = await t.store.countUsers();
      for (const refused of [
        await new ScimClient(writer.service).get("/scim/v2/Users"),
        await new ScimClient(writer.service).get("/scim/v2/ServiceProviderConfig"),
        await new ScimClient(writer.service).post("/scim/v2/Users", newScimUser(userName())),
      ]) {
        assertScimError(refused, 403, "INSUFFICIENT_SCOPE");
        assert.equal(refused.headers["www-authenticate"], insufficientScope);
      }
      assert.equal(await t.store.countUsers(), before);
      const denials = (await t.store.listAudit({ limit: 10 })).filter(
        (entry) => entry.outcome === "denied" && entry.actorId === writer.user.id,
      );
      assert.ok(denials.length >= 3, "each refusal audited");
      assert.ok(denials.every((entry) => entry.reason === "INSUFFICIENT_SCOPE"));

      // And the other way round: a scim token cannot drive the admin API.
      const api = await admin.service.get("/api/users");
      assert.equal(api.statusCode, 403, api.body);
      assert.equal(problemCode(api), "INSUFFICIENT_SCOPE");
    });

    test("create: 201 with Location and meta, role user, audited with the token, and no password", async () => {
      const name = userName("Create");
      const response = await scim.post(
        "/scim/v2/Users",
        newScimUser(name, { externalId: `ext-${name}`, displayName: "Ada L." }),
      );
      assert.equal(response.statusCode, 201, response.body);
      assert.match(String(response.headers["content-type"]), /^application\/scim\+json/);
      const user = response.json() as ScimUserBody;
      assert.equal(response.headers.location, user.meta.location);
      assert.equal(user.meta.location, `${t.config.publicUrl.origin}/scim/v2/Users/${user.id}`);
      assert.equal(user.userName, name.toLowerCase());
      assert.deepEqual(user.emails, [{ value: name.toLowerCase(), type: "work", primary: true }]);
      assert.equal(user.displayName, "Ada L.");
      assert.equal(user.meta.resourceType, "User");
      assert.equal(response.headers.etag, user.meta.version);
      const stored = await t.store.getUserById(user.id);
      assert.equal(stored?.role, "user");
      assert.ok(!stored?.passwordHash.startsWith("$argon2"), "no password hash");
      const row = (await t.store.listAudit({ limit: 5 })).find(
        (entry) => entry.action === "user.create" && entry.targetId === user.id,
      );
      assert.equal(row?.actorType, "token");
      assert.equal(row?.details.tokenId, admin.issued.view.id);
      // No password verifies: a login is INVALID_CREDENTIALS like an unknown address.
      for (const password of ["!no-password", "correct horse battery staple"]) {
        const login = await loginFrom(t, "10.20.0.1", name, password);
        assert.equal(login.statusCode, 401, login.body);
        assert.equal(problemCode(login), "INVALID_CREDENTIALS");
      }
    });

    test("create: a taken, differently cased or look-alike userName and a taken externalId are 409 uniqueness", async () => {
      const name = userName("taken");
      await provision({ externalId: `ext-${name}` }, name);
      const before = await t.store.countUsers();
      const [local, domain] = name.split("@") as [string, string];
      for (const duplicate of [
        name,
        name.toUpperCase(),
        `${local.replace("a", "\u0430")}@${domain}`, // Cyrillic a
        `${local}@${domain.replace("i", "\u0456")}`, // Cyrillic i in the domain
      ]) {
        assertScimError(await scim.post("/scim/v2/Users", newScimUser(duplicate)), 409, "EMAIL_TAKEN", "uniqueness");
      }
      assertScimError(
        await scim.post("/scim/v2/Users", newScimUser(userName(), { externalId: `ext-${name}` })),
        409,
        "EXTERNAL_ID_TAKEN",
        "uniqueness",
      );
      assert.equal(await t.store.countUsers(), before);
    });

    test("create refuses passwords, roles and groups, bad userNames and values, changing nothing", async () => {
      const before = await t.store.countUsers();
      const cases: [Record<string, unknown>, string, string][] = [
        [newScimUser(userName(), { password: "1mz050nq" }), "IMMUTABLE_ATTRIBUTE", "mutability"],
        [newScimUser(userName(), { roles: [{ value: "superuser" }] }), "UNSUPPORTED_ATTRIBUTE", "invalidValue"],
        [newScimUser(userName(), { groups: [{ value: "admins" }] }), "UNSUPPORTED_ATTRIBUTE", "invalidValue"],
        [
          newScimUser(userName(), { "urn:example:custom:2.0:User": { level: 9 } }),
          "UNSUPPORTED_ATTRIBUTE",
          "invalidValue",
        ],
        [newScimUser("not-an-address"), "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(""), "VALIDATION_FAILED", "invalidValue"],
        [{ ...newScimUser(userName()), userName: 42 }, "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(userName(), { active: "maybe" }), "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(userName(), { displayName: "x".repeat(201) }), "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(userName(), { externalId: { id: 1 } }), "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(userName(), { name: "Ada" }), "VALIDATION_FAILED", "invalidValue"],
        [newScimUser(userName(), { emails: "ada@example.test" }), "VALIDATION_FAILED", "invalidValue"],
        [{ userName: userName() }, "MALFORMED_BODY", "invalidSyntax"],
      ];
      for (const [body, code, scimType] of cases) {
        assertScimError(await scim.post("/scim/v2/Users", body), 400, code, scimType);
      }
      assertScimError(await scim.send("POST", "/scim/v2/Users", "{not json"), 400, "MALFORMED_BODY", "invalidSyntax");
      assertScimError(await scim.send("POST", "/scim/v2/Users", "[]"), 400, "MALFORMED_BODY", "invalidSyntax");
      const plain = await admin.service.request("POST", "/scim/v2/Users", {
        bare: true,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(newScimUser(userName("plainjson"))),
      });
      assert.equal(plain.statusCode, 201, "application/json bodies are parsed too");
      const form = await admin.service.request("POST", "/scim/v2/Users", {
        bare: true,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "userName=a%40b.example",
      });
      assertScimError(form, 415, "UNSUPPORTED_MEDIA_TYPE");
      assert.equal(await t.store.countUsers(), before + 1);
    });

    test("create with active false makes a disabled account", async () => {
      const user = await provision({ active: false });
      assert.equal(user.active, false);
      assert.equal((await t.store.getUserById(user.id))?.status, "disabled");
    });

    test("filter: eq on userName, emails, externalId, active, id; and, or, pr; case-insensitive names and ops", async () => {
      const marker = `f${process.pid}x${sequence}`;
      const a = await provision({ externalId: `${marker}-a` }, userName(`${marker}-a`));
      const b = await provision({ externalId: `${marker}-b`, active: false }, userName(`${marker}-b`));
      const ids = async (filter: string) => {
        const response = await scim.get(filterUrl(filter));
        assert.equal(response.statusCode, 200, `${filter}: ${response.body}`);
        const body = response.json() as ScimListBody;
        assert.equal(body.totalResults, body.Resources.length);
        return body.Resources.map((user) => user.id).sort();
      };
      assert.deepEqual(await ids(`userName eq "${a.userName.toUpperCase()}"`), [a.id]);
      assert.deepEqual(await ids(`USERNAME Eq "${a.userName}"`), [a.id]);
      assert.deepEqual(await ids(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "${a.userName}"`), [a.id]);
      assert.deepEqual(await ids(`emails[type eq "work"].value eq "${a.userName}"`), [a.id]);
      assert.deepEqual(await ids(`emails[type eq "home"].value eq "${a.userName}"`), []);
      assert.deepEqual(await ids(`emails.value eq "${b.userName}"`), [b.id]);
      assert.deepEqual(await ids(`emails[value eq "${b.userName}"]`), [b.id]);
      assert.deepEqual(await ids(`externalId eq "${marker}-b"`), [b.id]);
      assert.deepEqual(await ids(`externalId eq "${marker}-B"`), [], "externalId is case-exact");
      assert.deepEqual(await ids(`id eq "${a.id}"`), [a.id]);
      assert.deepEqual(await ids(`externalId eq "${marker}-a" and active eq true`), [a.id]);
      assert.deepEqual(await ids(`externalId eq "${marker}-b" AND active eq "false"`), [b.id]);
      assert.deepEqual(await ids(`externalId eq "${marker}-a" and active eq false`), []);
      assert.deepEqual(await ids(`externalId eq "${marker}-a" or externalId eq "${marker}-b"`), [a.id, b.id].sort());
      assert.deepEqual(await ids(`(externalId pr) and (userName eq "${a.userName}")`), [a.id]);
      assert.deepEqual(await ids(`userName eq "nobody-${marker}@idp.example"`), []);
      for (const unsupported of [
        `userName co "${marker}"`,
        `userName sw "a"`,
        `not (userName eq "${a.userName}")`,
        `name.givenName eq "Ada"`,
        `title eq "x"`,
        `userName eq 42`,
        `active eq "perhaps"`,
        `userName eq`,
        `(userName eq "a"`,
        `emails[type eq "work"`,
        `groups[value eq "x"]`,
        "",
      ]) {
        assertScimError(await scim.get(filterUrl(unsupported)), 400, "INVALID_FILTER", "invalidFilter");
      }
    });

    test("paging: startIndex and count in a stable order (created_at, id), RFC 7644 3.4.2.4 bounds", async () => {
      // Three a second apart, then two in the same millisecond: those two are ordered by id.
      const made: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        t.clock.advance(1000);
        made.push((await provision()).id);
      }
      t.clock.advance(1000);
      const tied = [(await provision()).id, (await provision()).id].sort();
      made.push(...tied);
      const filter = made.map((id) => `id eq "${id}"`).join(" or ");
      const page = async (query: string) => {
        const response = await scim.get(filterUrl(filter, query));
        assert.equal(response.statusCode, 200, response.body);
        return response.json() as ScimListBody;
      };
      const all = await page("");
      assert.deepEqual(
        all.Resources.map((user) => user.id),
        made,
      );
      const second = await page("&startIndex=2&count=2");
      assert.deepEqual([second.totalResults, second.startIndex, second.itemsPerPage], [5, 2, 2]);
      assert.deepEqual(
        second.Resources.map((user) => user.id),
        made.slice(1, 3),
      );
      assert.deepEqual((await page("&startIndex=0")).startIndex, 1);
      assert.deepEqual(
        (await page("&startIndex=-7&count=1")).Resources.map((user) => user.id),
        made.slice(0, 1),
      );
      const none = await page("&count=0");
      assert.deepEqual([none.totalResults, none.itemsPerPage, none.Resources.length], [5, 0, 0]);
      assert.equal((await page("&count=-3")).itemsPerPage, 0);
      const beyond = await page("&startIndex=2147483647");
      assert.deepEqual([beyond.totalResults, beyond.Resources.length], [5, 0]);
      // count above maxResults is served as maxResults.
      const many = await scim.get("/scim/v2/Users?count=100000");
      assert.equal(many.statusCode, 200);
      assert.ok((many.json() as ScimListBody).itemsPerPage <= 100);
      for (const bad of ["startIndex=abc", "count=1.5", "startIndex=99999999999", "count=1e3", "count=&count=2"]) {
        assertScimError(await scim.get(`/scim/v2/Users?${bad}`), 400, "VALIDATION_FAILED", "invalidValue");
      }
    });

    test("PUT replaces the name and externalId; the address cannot change; passwords are refused", async () => {
      const name = userName("put");
      const user = await provision({ externalId: `ext-${name}` }, name);
      const replaced = await scim.put(`/scim/v2/Users/${user.id}`, {
        ...newScimUser(name.toUpperCase()),
        name: { givenName: "Augusta", familyName: "King" },
        externalId: `ext2-${name}`,
      });
      assert.equal(replaced.statusCode, 200, replaced.body);
      const body = replaced.json() as ScimUserBody;
      assert.equal(body.displayName, "Augusta King");
      assert.equal(body.externalId, `ext2-${name}`);
      const snapshot = await t.store.getProvisionedUser(user.id);
      assertScimError(
        await scim.put(`/scim/v2/Users/${user.id}`, newScimUser(userName("other"))),
        400,
        "IMMUTABLE_ATTRIBUTE",
        "mutability",
      );
      assertScimError(
        await scim.put(`/scim/v2/Users/${user.id}`, newScimUser(name, { password: "hunter2hunter2" })),
        400,
        "IMMUTABLE_ATTRIBUTE",
        "mutability",
      );
      assert.deepEqual(await t.store.getProvisionedUser(user.id), snapshot);
      assertScimError(await scim.put("/scim/v2/Users/no-such-id", newScimUser(name)), 404, "USER_NOT_FOUND");
    });

    test("PATCH: Entra and Okta dialects, dotted keys in value maps, ignored and refused attributes", async () => {
      const name = userName("patch");
      const user = await provision({}, name);
      const url = `/scim/v2/Users/${user.id}`;
      const ok = async (body: unknown) => {
        const response = await scim.patch(url, body);
        assert.equal(response.statusCode, 200, response.body);
        return response.json() as ScimUserBody;
      };
      assert.equal(
        (await ok(patchOp({ op: "replace", value: { "name.givenName": "Augusta", "name.familyName": "Byron" } })))
          .displayName,
        "Augusta Byron",
      );
      assert.equal((await ok(patchOp({ op: "Add", path: "externalId", value: "E-1" }))).externalId, "E-1");
      assert.equal((await ok(patchOp({ op: "Remove", path: "externalId" }))).externalId, undefined);
      assert.equal(
        (await ok(patchOp({ op: "REPLACE", path: "name", value: { formatted: "Ada B." } }))).displayName,
        "Ada B.",
      );
      const ignored = await ok(
        patchOp(
          { op: "Add", path: "title", value: "Countess" },
          { op: "Replace", path: 'phoneNumbers[type eq "work"].value', value: "+1 555" },
          { op: "Replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: "x" },
          { op: "replace", value: { id: user.id, userName: name.toUpperCase(), active: "True" } },
          { op: "Remove", path: "roles" },
        ),
      );
      assert.equal(ignored.displayName, "Ada B.");
      const snapshot = await t.store.getProvisionedUser(user.id);
      const refused: [unknown, number, string, string | undefined][] = [
        [
          patchOp({ op: "replace", path: "userName", value: userName("new") }),
          400,
          "IMMUTABLE_ATTRIBUTE",
          "mutability",
        ],
        [
          patchOp({ op: "Replace", path: 'emails[type eq "work"].value', value: "new@idp.example" }),
          400,
          "IMMUTABLE_ATTRIBUTE",
          "mutability",
        ],
        [
          patchOp({ op: "replace", path: "password", value: "hunter2hunter2" }),
          400,
          "IMMUTABLE_ATTRIBUTE",
          "mutability",
        ],
        [patchOp({ op: "replace", value: { password: "hunter2hunter2" } }), 400, "IMMUTABLE_ATTRIBUTE", "mutability"],
        [patchOp({ op: "replace", path: "id", value: "other" }), 400, "IMMUTABLE_ATTRIBUTE", "mutability"],
        [
          patchOp({ op: "add", path: "roles", value: [{ value: "admin" }] }),
          400,
          "UNSUPPORTED_ATTRIBUTE",
          "invalidValue",
        ],
        [patchOp({ op: "add", path: "groups", value: [{ value: "g" }] }), 400, "UNSUPPORTED_ATTRIBUTE", "invalidValue"],
        [
          patchOp({ op: "add", path: "entitlements", value: [{ value: "root" }] }),
          400,
          "UNSUPPORTED_ATTRIBUTE",
          "invalidValue",
        ],
        [patchOp({ op: "replace", path: "favouriteColour", value: "red" }), 400, "INVALID_PATH", "invalidPath"],
        [patchOp({ op: "replace", path: "name[x eq 1]", value: "red" }), 400, "INVALID_PATH", "invalidPath"],
        [patchOp({ op: "replace", path: 'emails[type eq "home"].value', value: name }), 400, "NO_TARGET", "noTarget"],
        [patchOp({ op: "remove" }), 400, "NO_TARGET", "noTarget"],
        [patchOp({ op: "replace", path: "active", value: "nope" }), 400, "VALIDATION_FAILED", "invalidValue"],
        [patchOp({ op: "replace", path: "active", value: 0 }), 400, "VALIDATION_FAILED", "invalidValue"],
        [patchOp({ op: "replace", path: "displayName", value: ["x"] }), 400, "VALIDATION_FAILED", "invalidValue"],
        [patchOp({ op: "replace", value: "active" }), 400, "VALIDATION_FAILED", "invalidValue"],
        [patchOp({ op: "move", path: "active", value: false }), 400, "MALFORMED_BODY", "invalidSyntax"],
        [patchOp(), 400, "MALFORMED_BODY", "invalidSyntax"],
        [{ Operations: [{ op: "replace", path: "active", value: false }] }, 400, "MALFORMED_BODY", "invalidSyntax"],
        // The first operation is fine, the second refused: nothing of the PATCH applies.
        [
          patchOp(
            { op: "replace", path: "active", value: false },
            { op: "add", path: "roles", value: [{ value: "a" }] },
          ),
          400,
          "UNSUPPORTED_ATTRIBUTE",
          "invalidValue",
        ],
      ];
      for (const [body, status, code, scimType] of refused) {
        assertScimError(await scim.patch(url, body), status, code, scimType);
      }
      assert.deepEqual(await t.store.getProvisionedUser(user.id), snapshot, "no refused PATCH changed anything");
    });

    test("rank and self rules hold: an admin's token cannot touch admins or superusers; no one disables themself", async () => {
      const otherAdmin = await createUser(t, "admin");
      const superuser = await createUser(t, "superuser");
      const before = await t.store.countUsers();
      for (const target of [otherAdmin, superuser]) {
        const url = `/scim/v2/Users/${target.id}`;
        const read = await scim.get(url);
        assert.equal(read.statusCode, 200, "reading is not acting");
        for (const refused of [
          await scim.patch(url, patchOp({ op: "Replace", path: "active", value: "False" })),
          await scim.patch(url, patchOp({ op: "Replace", path: "displayName", value: "Mallory" })),
          await scim.put(url, newScimUser(target.email, { active: false })),
          await scim.delete(url),
        ]) {
          assertScimError(refused, 403, "FORBIDDEN");
          assert.equal(refused.headers["www-authenticate"], insufficientScope);
        }
        const after = await t.store.getUserById(target.id);
        assert.equal(after?.status, "active");
        assert.equal(after?.name, target.name);
      }
      assert.equal(await t.store.countUsers(), before);

      // A superuser's SCIM token, the only other superuser now gone: it may not disable or delete itself.
      const root = await createTokenOwner(t, "superuser", ["scim"]);
      const own = new ScimClient(root.service);
      assertScimError(
        await own.patch(`/scim/v2/Users/${root.user.id}`, patchOp({ op: "replace", value: { active: false } })),
        409,
        "SELF_ACTION_FORBIDDEN",
      );
      assertScimError(await own.delete(`/scim/v2/Users/${root.user.id}`), 409, "SELF_ACTION_FORBIDDEN");
      assert.equal((await t.store.getUserById(root.user.id))?.status, "active");
    });

    test("an owner demoted below admin: the SCIM token is refused at once (403), audited", async () => {
      const owner = await createTokenOwner(t, "admin", ["scim"]);
      const boss = await createSignedInUser(t, "superuser");
      const demoted = await boss.device.patch(`/api/users/${owner.user.id}`, { role: "user" });
      assert.equal(demoted.statusCode, 200, demoted.body);
      assertScimError(await new ScimClient(owner.service).get("/scim/v2/Users"), 403, "FORBIDDEN");
    });

    test("under a PUBLIC_URL with a path, SCIM lives under it, and so do its locations", async () => {
      const prefix = "/gate";
      const prefixed = await startTestApp(engine, { publicUrl: `https://app.example${prefix}` });
      try {
        const adminUser = await createUser(prefixed, "admin");
        const device = prefixed.client();
        const login = await device.post(`${prefix}/api/auth/login`, { email: adminUser.email, password: goodPassword });
        assert.equal(login.statusCode, 200, login.body);
        const issued = await device.post(`${prefix}/api/tokens`, { name: "idp", scopes: ["scim"] });
        assert.equal(issued.statusCode, 201, issued.body);
        const idp = new ScimClient(prefixed.client());
        idp.http.bearer = (issued.json() as { token: string }).token;
        const config = await idp.get(`${prefix}/scim/v2/ServiceProviderConfig`);
        assert.equal(config.statusCode, 200, config.body);
        const created = await idp.post(`${prefix}/scim/v2/Users`, newScimUser(userName("prefixed")));
        assert.equal(created.statusCode, 201, created.body);
        const user = created.json() as ScimUserBody;
        assert.equal(user.meta.location, `https://app.example${prefix}/scim/v2/Users/${user.id}`);
        assert.equal(created.headers.location, user.meta.location);
        assertScimError(await idp.get(`${prefix}/scim/v2/Nope`), 404, "NOT_FOUND");
        assertScimError(await idp.send("DELETE", `${prefix}/scim/v2/Schemas`), 405, "METHOD_NOT_ALLOWED");
        const outside = await idp.http.request("GET", "/scim/v2/ServiceProviderConfig", {});
        assert.equal(outside.statusCode, 404, "nothing answers outside the prefix");
      } finally {
        await prefixed.close();
      }
    });

    test("a user in the grace period is gone for SCIM, and their address stays taken", async () => {
      const graced = await startTestApp(engine, { deletionGraceMs: 7 * 86_400_000 });
      try {
        const owner = await createTokenOwner(graced, "admin", ["scim"]);
        const idp = new ScimClient(owner.service);
        const name = userName("grace");
        const created = await idp.post("/scim/v2/Users", newScimUser(name, { externalId: `ext-${name}` }));
        const user = created.json() as ScimUserBody;
        const deleted = await idp.delete(`/scim/v2/Users/${user.id}`);
        assert.equal(deleted.statusCode, 204, deleted.body);
        const pending = await graced.store.getUserById(user.id);
        assert.ok(pending !== null && pending.purgeAfter !== null && pending.status === "disabled");
        const url = `/scim/v2/Users/${user.id}`;
        assertScimError(await idp.get(url), 404, "USER_NOT_FOUND");
        assertScimError(await idp.put(url, newScimUser(name)), 404, "USER_NOT_FOUND");
        assertScimError(
          await idp.patch(url, patchOp({ op: "replace", value: { active: true } })),
          404,
          "USER_NOT_FOUND",
        );
        assertScimError(await idp.delete(url), 404, "USER_NOT_FOUND");
        const listed = (await idp.get(filterUrl(`userName eq "${name}"`))).json() as ScimListBody;
        assert.equal(listed.totalResults, 0);
        const all = (await idp.get("/scim/v2/Users")).json() as ScimListBody;
        assert.ok(!all.Resources.some((resource) => resource.id === user.id));
        assertScimError(await idp.post("/scim/v2/Users", newScimUser(name)), 409, "EMAIL_TAKEN", "uniqueness");
        const still = await graced.store.getUserById(user.id);
        assert.deepEqual(still, pending, "nothing about the pending account changed");
      } finally {
        await graced.close();
      }
    });
  });
}
