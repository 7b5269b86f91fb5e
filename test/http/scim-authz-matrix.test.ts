import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Role } from "../../src/domain/users/role.ts";
import { createSignedInUser, createUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import { newScimUser, patchOp, ScimClient, type ScimErrorBody } from "../support/scim.ts";
import { snapshotStore } from "../support/store-snapshot.ts";
import { createTokenOwner, serviceClient } from "../support/tokens.ts";

/**
 * The SCIM routes' authorization matrix, as data: every principal against every SCIM route (and, for the
 * routes on one user, every target role). A success must be the route's; a refusal must be exactly the
 * code given, leave users and sessions as they were, and (403s: the principal is known) write an audit row.
 * Kept apart from test/authz-matrix.json, which covers the /api routes.
 */
type Principal = "anonymous" | "cookie" | "apiToken" | "expiredScim" | "demotedScim" | "adminScim" | "superuserScim";
type Expected = number | { readonly status: number; readonly code: string };
type Cells = {
  readonly discovery: Expected;
  readonly list: Expected;
  readonly create: Expected;
  readonly read: Expected | Readonly<Record<Role, Expected>>;
  readonly write: Expected | Readonly<Record<Role, Expected>>;
};

const invalidToken = { status: 401, code: "INVALID_TOKEN" } as const;
const insufficientScope = { status: 403, code: "INSUFFICIENT_SCOPE" } as const;
const forbidden = { status: 403, code: "FORBIDDEN" } as const;
const everywhere = (expected: Expected): Cells => ({
  discovery: expected,
  list: expected,
  create: expected,
  read: expected,
  write: expected,
});

/** 0 in a write cell: the route's own success (PUT and PATCH 200, DELETE 204). */
const matrix: Readonly<Record<Principal, Cells>> = {
  anonymous: everywhere(invalidToken),
  cookie: everywhere(invalidToken),
  apiToken: everywhere(insufficientScope),
  expiredScim: everywhere(invalidToken),
  demotedScim: everywhere(forbidden),
  adminScim: {
    discovery: 200,
    list: 200,
    create: 201,
    read: 200,
    write: { user: 0, admin: forbidden, superuser: forbidden },
  },
  superuserScim: { discovery: 200, list: 200, create: 201, read: 200, write: 0 },
};

const discoveryPaths = ["/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas", "/scim/v2/ResourceTypes"];
const writes = ["PUT", "PATCH", "DELETE"] as const;
const targetRoles: readonly Role[] = ["user", "admin", "superuser"];

let sequence = 0;

for (const engine of engines) {
  describe(`SCIM authorization matrix (${engine})`, () => {
    let t: TestApp;
    const clients = new Map<Principal, HttpClient>();

    before(async () => {
      t = await startTestApp(engine);
      clients.set("anonymous", t.client());
      clients.set("cookie", (await createSignedInUser(t, "superuser")).device);
      clients.set("apiToken", (await createTokenOwner(t, "admin", ["users:read", "users:write"])).service);
      const expiring = await createTokenOwner(t, "admin", ["scim"]);
      const demoted = await createTokenOwner(t, "admin", ["scim"]);
      const boss = await createSignedInUser(t, "superuser");
      assert.equal((await boss.device.patch(`/api/users/${demoted.user.id}`, { role: "user" })).statusCode, 200);
      clients.set("demotedScim", demoted.service);
      // Issued for 1 day: expired once the clock passes it (every other token lives 90).
      const short = await expiring.device.post("/api/tokens", { name: "short", scopes: ["scim"], expiresInDays: 1 });
      assert.equal(short.statusCode, 201, short.body);
      clients.set("expiredScim", serviceClient(t, (short.json() as { token: string }).token));
      t.clock.advance(2 * 86_400_000);
      clients.set("adminScim", (await createTokenOwner(t, "admin", ["scim"])).service);
      clients.set("superuserScim", (await createTokenOwner(t, "superuser", ["scim"])).service);
    });
    after(() => t.close());

    async function check(
      principal: Principal,
      label: string,
      expected: Expected,
      send: (scim: ScimClient) => Promise<{ statusCode: number; body: string }>,
      success: number,
    ) {
      const client = clients.get(principal);
      assert.ok(client !== undefined);
      const want =
        typeof expected === "number" ? { status: expected === 0 ? success : expected, code: null } : expected;
      const before = await snapshotStore(t);
      const auditBefore = (await t.store.listAudit({ limit: 1 }))[0]?.seq ?? 0;
      const response = await send(new ScimClient(client));
      assert.equal(response.statusCode, want.status, `${principal} ${label}: ${response.body}`);
      if (want.code === null) return;
      const body = JSON.parse(response.body) as ScimErrorBody;
      assert.ok(body.detail.startsWith(`${want.code}:`), `${principal} ${label}: ${body.detail}`);
      assert.deepEqual(await snapshotStore(t), before, `${principal} ${label} changed the store`);
      if (want.status === 403) {
        const rows = (await t.store.listAudit({ limit: 5 })).filter((row) => row.seq > auditBefore);
        assert.ok(
          rows.some((row) => row.outcome === "denied" && row.reason === want.code),
          `${principal} ${label}: audited`,
        );
      }
    }

    const cell = (value: Cells["read"], role: Role): Expected =>
      typeof value === "object" && !("status" in value) ? value[role] : value;

    for (const principal of Object.keys(matrix) as Principal[]) {
      test(`${principal}: every SCIM route`, async () => {
        const cells = matrix[principal];
        for (const path of discoveryPaths)
          await check(principal, `GET ${path}`, cells.discovery, (scim) => scim.get(path), 200);
        await check(principal, "GET /Users", cells.list, (scim) => scim.get("/scim/v2/Users?count=1"), 200);
        sequence += 1;
        await check(
          principal,
          "POST /Users",
          cells.create,
          (scim) => scim.post("/scim/v2/Users", newScimUser(`matrix-${principal}-${sequence}@idp.example`)),
          201,
        );
        for (const role of targetRoles) {
          const target = await createUser(t, role);
          const url = `/scim/v2/Users/${target.id}`;
          await check(principal, `GET /Users/{${role}}`, cell(cells.read, role), (scim) => scim.get(url), 200);
          for (const method of writes) {
            const fresh = await createUser(t, role);
            const freshUrl = `/scim/v2/Users/${fresh.id}`;
            const send = (scim: ScimClient) =>
              method === "PUT"
                ? scim.put(freshUrl, newScimUser(fresh.email, { displayName: "Renamed" }))
                : method === "PATCH"
                  ? scim.patch(freshUrl, patchOp({ op: "Replace", path: "active", value: "False" }))
                  : scim.delete(freshUrl);
            await check(
              principal,
              `${method} /Users/{${role}}`,
              cell(cells.write, role),
              send,
              method === "DELETE" ? 204 : 200,
            );
          }
        }
      });
    }
  });
}
