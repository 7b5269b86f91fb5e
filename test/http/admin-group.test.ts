import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Fastify from "fastify";
import type { Authenticated } from "../../src/domain/actor.ts";
import { permissionTable } from "../../src/domain/admin/authz.ts";
import { refuse } from "../../src/domain/errors.ts";
import { type Role, roles } from "../../src/domain/users/role.ts";
import { installProblemHandlers } from "../../src/http/problem.ts";
import { type AdminDenial, adminGroup, routeGroup } from "../../src/http/route-policy.ts";

/**
 * Issue 10.5: an admin group cannot be registered without its coarse gate. `routeGroup("admin", register)`
 * used to compile and silently drop the gate when its optional denial handler was left out; the admin
 * group now has its own constructor whose denial handler is required.
 */
function signedInAs(role: Role): Authenticated {
  const now = Date.now();
  return {
    user: {
      id: `id-${role}`,
      email: `${role}@example.com`,
      name: "",
      role,
      status: "active",
      createdAt: now,
      updatedAt: now,
      purgeAfter: null,
    },
    session: {
      id: `session-${role}`,
      userId: `id-${role}`,
      secretHash: "",
      createdAt: now,
      lastSeenAt: now,
      authenticatedAt: now,
      expiresAt: now + 60_000,
      ip: "127.0.0.1",
      userAgent: "test",
    },
  };
}

async function adminApp(onDenied: AdminDenial, handled: Role[]) {
  const app = Fastify({ logger: false });
  app.decorateRequest("auth", null);
  // As the request pipeline does: a request presents no bearer token until a token group's guard finds one.
  app.decorateRequest("bearer", null);
  installProblemHandlers(app);
  // Stands in for the session check: the role a request claims is the role it is signed in with.
  app.addHook("onRequest", async (request) => {
    const role = roles.find((candidate) => candidate === request.headers["x-role"]);
    request.auth = role === undefined ? null : signedInAs(role);
  });
  await app.register(
    adminGroup((group) => {
      group.get("/admin-only", async (request) => {
        if (request.auth !== null) handled.push(request.auth.user.role);
        return { ok: true };
      });
    }, onDenied),
  );
  await app.ready();
  return app;
}

describe("admin route groups", () => {
  test("issue 10.5: an admin group refuses every role with no admin permission before the handler, through its denial handler", async () => {
    const denied: Role[] = [];
    const handled: Role[] = [];
    const app = await adminApp(async (_request, actor) => {
      if (actor.type === "user") denied.push(actor.user.role);
      return refuse("FORBIDDEN");
    }, handled);
    try {
      const withoutPermissions = roles.filter((role) => permissionTable[role].size === 0);
      assert.ok(withoutPermissions.length > 0, "some role has no admin permission");
      for (const role of roles) {
        const response = await app.inject({ url: "/admin-only", headers: { "x-role": role } });
        const refused = withoutPermissions.includes(role);
        assert.equal(response.statusCode, refused ? 403 : 200, role);
        if (refused) assert.equal(response.json<{ code: string }>().code, "FORBIDDEN", role);
      }
      assert.deepEqual(denied, withoutPermissions, "each refusal went through the denial handler (it audits)");
      assert.deepEqual(
        handled,
        roles.filter((role) => !withoutPermissions.includes(role)),
        "no refused role reached the handler",
      );

      const anonymous = await app.inject({ url: "/admin-only" });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json<{ code: string }>().code, "UNAUTHENTICATED");
    } finally {
      await app.close();
    }
  });

  test("the denial handler's answer is the refusal sent (RATE_LIMITED past the denial budget)", async () => {
    const app = await adminApp(async () => ({ ...refuse("RATE_LIMITED"), retryAfterSeconds: 7 }), []);
    try {
      const response = await app.inject({ url: "/admin-only", headers: { "x-role": "user" } });
      assert.equal(response.statusCode, 429);
      assert.equal(response.headers["retry-after"], "7");
    } finally {
      await app.close();
    }
  });

  test("issue 10.5: an admin group without its denial handler does not compile", () => {
    const register = () => {};
    // @ts-expect-error: "admin" is not a policy routeGroup takes; adminGroup is the admin group's constructor.
    assert.equal(typeof routeGroup("admin", register), "function");
    // @ts-expect-error: adminGroup's denial handler is required.
    assert.equal(typeof adminGroup(register), "function");
  });
});
