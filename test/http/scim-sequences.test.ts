import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { goodPassword, signIn } from "../support/accounts.ts";
import { fastHasher, startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import {
  patchOp,
  renderTranscript,
  ScimClient,
  type ScimListBody,
  type ScimUserBody,
  scimPatchOpSchema,
  scimUserSchema,
} from "../support/scim.ts";
import { createToken, createTokenOwner, serviceClient, type TokenOwner } from "../support/tokens.ts";

/**
 * The provisioning sequences Microsoft Entra ID and Okta document, request by request in their own shapes
 * (Entra: "Tutorial: Develop a sample SCIM endpoint" request/response examples and its known issues: string
 * booleans, capitalised ops; Okta: "SCIM 2.0 protocol reference": probe with startIndex/count, full-object PUT,
 * path-less replace). After each deactivation returns, every session cookie and API token the user had is
 * counted and must all be refused. Each run writes the exchanges to test-output/scim-transcripts.<engine>.md;
 * docs/scim-transcripts.md is one such run.
 */

const transcriptDir = fileURLToPath(new URL("../../test-output/", import.meta.url));

interface Credentials {
  readonly devices: HttpClient[];
  readonly tokens: HttpClient[];
}

/**
 * Makes the provisioned account someone with credentials of every kind: a password set through the store (an
 * account SCIM creates has none), promoted to admin by a superuser (so it may own API tokens), signed in on
 * two devices, with two tokens.
 */
async function giveCredentials(t: TestApp, superuser: HttpClient, id: string, email: string): Promise<Credentials> {
  const passwordHash = await fastHasher.hash(goodPassword);
  await t.store.transaction((tx) => tx.updateUser(id, { passwordHash }, t.clock.now()));
  const promoted = await superuser.patch(`/api/users/${id}`, { role: "admin" });
  assert.equal(promoted.statusCode, 200, promoted.body);
  const devices = [await signIn(t, { email }), await signIn(t, { email })];
  const tokens: HttpClient[] = [];
  for (const name of ["ci", "backup"]) {
    const issued = await createToken(devices[0] as HttpClient, ["users:read"], { name });
    tokens.push(serviceClient(t, issued.token));
  }
  return { devices, tokens };
}

/** How many of the credentials the server still accepts (a session on its own account, a token on a read). */
async function acceptedCredentials(credentials: Credentials): Promise<{ sessions: number; tokens: number }> {
  let sessions = 0;
  for (const device of credentials.devices) if ((await device.get("/api/account")).statusCode === 200) sessions += 1;
  let tokens = 0;
  for (const token of credentials.tokens) if ((await token.get("/api/users?limit=1")).statusCode === 200) tokens += 1;
  return { sessions, tokens };
}

for (const engine of engines) {
  describe(`SCIM sequences as identity providers send them (${engine})`, () => {
    let t: TestApp;
    // A superuser owns the SCIM token: the provisioned user is promoted to admin below, and only a higher
    // rank may disable an admin (docs/scim.md says who should own the token).
    let owner: TokenOwner;
    const transcripts: string[] = [];

    before(async () => {
      t = await startTestApp(engine);
      owner = await createTokenOwner(t, "superuser", ["scim"]);
    });
    after(async () => {
      mkdirSync(transcriptDir, { recursive: true });
      writeFileSync(
        `${transcriptDir}scim-transcripts.${engine}.md`,
        `# SCIM provisioning as the server answered it (${engine})\n\n${transcripts.join("\n")}`,
      );
      await t.close();
    });

    test("Microsoft Entra ID: probe, create, get, disable with a string boolean, enable, rename, delete", async () => {
      const scim = new ScimClient(owner.service);
      const userName = `Grace.Hopper-${engine}@Contoso.example`;
      const email = userName.toLowerCase();
      const externalId = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";

      const probe = await scim.get(
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
        "Probe: is the user there already? (userName eq)",
      );
      assert.equal(probe.statusCode, 200, probe.body);
      assert.deepEqual(probe.json(), {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });

      const created = await scim.post(
        "/scim/v2/Users",
        {
          schemas: [scimUserSchema, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          externalId,
          userName,
          active: true,
          emails: [{ primary: true, type: "work", value: userName }],
          meta: { resourceType: "User" },
          name: { formatted: "Grace Hopper", familyName: "Hopper", givenName: "Grace" },
          roles: [],
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Navy" },
        },
        "Create the user",
      );
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json() as ScimUserBody;
      assert.equal(created.headers.location, user.meta.location);
      assert.equal(user.userName, email);
      assert.equal(user.externalId, externalId);
      assert.equal(user.displayName, "Grace Hopper");
      assert.equal(user.active, true);
      assert.equal((await t.store.getUserById(user.id))?.role, "user");

      const read = await scim.get(`/scim/v2/Users/${user.id}`, "Get the user");
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json(), user);

      const credentials = await giveCredentials(t, owner.device, user.id, email);
      assert.deepEqual(await acceptedCredentials(credentials), { sessions: 2, tokens: 2 });
      scim.note(
        "The test gives the account a password through the store, a superuser promotes it to admin, it signs in on two devices and creates two API tokens: 2 of 2 session cookies and 2 of 2 tokens are accepted.",
      );

      t.clock.advance(60_000);

      const disabled = await scim.patch(
        `/scim/v2/Users/${user.id}`,
        { schemas: [scimPatchOpSchema], Operations: [{ op: "Replace", path: "active", value: "False" }] },
        "Disable the user (Entra's capitalised op and string boolean)",
      );
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal((disabled.json() as ScimUserBody).active, false);
      assert.deepEqual(await acceptedCredentials(credentials), { sessions: 0, tokens: 0 });
      scim.note(
        "Counted right after the answer: 0 of 2 session cookies and 0 of 2 API tokens are accepted (each 401).",
      );
      assert.equal((await t.store.listUserSessions(user.id)).length, 0);
      assert.equal((await t.store.listUserApiTokens(user.id)).length, 0);
      const audit = await t.store.listAudit({ limit: 20 });
      const row = audit.find((entry) => entry.action === "users.update" && entry.targetId === user.id);
      assert.equal(row?.actorType, "token");
      assert.equal(row?.actorId, owner.user.id);
      assert.equal(row?.details.tokenId, owner.issued.view.id);
      assert.equal(row?.details.sessionsRevoked, 2);
      assert.equal(row?.details.tokensRevoked, 2);

      // Entra asks for users that are inactive: they are still there, with active false.
      const inactive = await scim.get(
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}" and active eq false`)}`,
        "Probe for the inactive user",
      );
      assert.equal((inactive.json() as ScimListBody).totalResults, 1, inactive.body);

      t.clock.advance(60_000);

      const enabled = await scim.patch(
        `/scim/v2/Users/${user.id}`,
        { schemas: [scimPatchOpSchema], Operations: [{ op: "Replace", path: "active", value: "True" }] },
        "Enable the user again",
      );
      assert.equal(enabled.statusCode, 200, enabled.body);
      assert.equal((enabled.json() as ScimUserBody).active, true);
      assert.deepEqual(await acceptedCredentials(credentials), { sessions: 0, tokens: 0 }, "nothing comes back");

      t.clock.advance(60_000);

      const renamed = await scim.patch(
        `/scim/v2/Users/${user.id}`,
        patchOp(
          { op: "Replace", path: "displayName", value: "Rear Admiral Grace Hopper" },
          { op: "Replace", path: "name.familyName", value: "Hopper" },
          { op: "Add", path: 'emails[type eq "work"].value', value: userName },
          {
            op: "Replace",
            path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            value: "USN",
          },
        ),
        "Rename the user",
      );
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal((renamed.json() as ScimUserBody).displayName, "Rear Admiral Grace Hopper");

      t.clock.advance(60_000);

      const deleted = await scim.delete(`/scim/v2/Users/${user.id}`, "Delete the user");
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal(deleted.body, "");
      assert.equal(await t.store.getUserById(user.id), null, "no grace period here: erased");

      const gone = await scim.get(`/scim/v2/Users/${user.id}`, "Get the deleted user");
      assert.equal(gone.statusCode, 404, gone.body);
      transcripts.push(renderTranscript("Microsoft Entra ID", scim.exchanges));
    });

    test("Okta: probe with paging, create, full-object PUT, path-less deactivate, reactivate, delete", async () => {
      const scim = new ScimClient(owner.service);
      const userName = `test.user-${engine}@okta.example`;

      const probe = await scim.get(
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
        "Probe: does the user exist?",
      );
      assert.equal(probe.statusCode, 200, probe.body);
      assert.equal((probe.json() as ScimListBody).totalResults, 0);

      const body = {
        schemas: [scimUserSchema],
        userName,
        name: { givenName: "Test", familyName: "User" },
        emails: [{ primary: true, value: userName, type: "work" }],
        displayName: "Test User",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        groups: [],
        active: true,
      };
      const created = await scim.post("/scim/v2/Users", body, "Create the user");
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json() as ScimUserBody;

      const found = await scim.get(
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
        "Probe again: found",
      );
      assert.equal((found.json() as ScimListBody).Resources[0]?.id, user.id);

      t.clock.advance(60_000);

      const replaced = await scim.put(
        `/scim/v2/Users/${user.id}`,
        { ...body, id: user.id, name: { givenName: "Tess", familyName: "User" }, displayName: "Tess User" },
        "Update by PUT: the full object",
      );
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.equal((replaced.json() as ScimUserBody).displayName, "Tess User");

      const credentials = await giveCredentials(t, owner.device, user.id, userName);
      assert.deepEqual(await acceptedCredentials(credentials), { sessions: 2, tokens: 2 });
      scim.note(
        "The test gives the account a password through the store, a superuser promotes it to admin, it signs in on two devices and creates two API tokens: 2 of 2 session cookies and 2 of 2 tokens are accepted.",
      );

      t.clock.advance(60_000);

      const deactivated = await scim.patch(
        `/scim/v2/Users/${user.id}`,
        patchOp({ op: "replace", value: { active: false } }),
        "Deactivate (path-less value map)",
      );
      assert.equal(deactivated.statusCode, 200, deactivated.body);
      assert.equal((deactivated.json() as ScimUserBody).active, false);
      assert.deepEqual(await acceptedCredentials(credentials), { sessions: 0, tokens: 0 });
      scim.note(
        "Counted right after the answer: 0 of 2 session cookies and 0 of 2 API tokens are accepted (each 401).",
      );

      t.clock.advance(60_000);

      const reactivated = await scim.patch(
        `/scim/v2/Users/${user.id}`,
        patchOp({ op: "replace", value: { active: true } }),
        "Reactivate",
      );
      assert.equal((reactivated.json() as ScimUserBody).active, true, reactivated.body);

      t.clock.advance(60_000);

      const deleted = await scim.delete(`/scim/v2/Users/${user.id}`, "Delete the user");
      assert.equal(deleted.statusCode, 204, deleted.body);
      const gone = await scim.get(`/scim/v2/Users/${user.id}`, "Get the deleted user");
      assert.equal(gone.statusCode, 404, gone.body);
      transcripts.push(renderTranscript("Okta", scim.exchanges));
    });
  });
}
