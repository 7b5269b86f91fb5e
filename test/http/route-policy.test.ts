import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RouteOptions } from "fastify";
import { buildApp } from "../../src/app.ts";
import type { GatehouseApp } from "../../src/http/http-app.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { loadMatrix } from "../support/authz-matrix.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

/**
 * Guards belong to route groups (STYLE.md 11) and the authorization matrix is the specification
 * (SECURITY.md 1.1, CS-AZ testing automation): a route registered outside a group, or a non-public API
 * route nobody wrote matrix rows for, breaks the build. ASVS 3.5.3: a path that only changes state
 * answers GET and HEAD with 405 and an Allow header, whoever asks, and nothing runs.
 */
const matrix = loadMatrix();
const matrixRoutes = new Set(matrix.routes.map((route) => `${route.method} ${route.path}`));

function methodsOf(route: RouteOptions): string[] {
  return [route.method].flat();
}

for (const engine of engines) {
  describe(`route policies and the matrix (${engine})`, () => {
    let t: TestApp;
    let built: GatehouseApp;
    before(async () => {
      t = await startTestApp(engine);
      // A second app over the same store: buildApp hands back the registry every route was recorded in.
      built = await buildApp({ deps: t.deps, publicUrl: new URL("http://127.0.0.1:3000"), secret: t.secret });
      await built.app.ready();
    });
    after(async () => {
      await built.app.close();
      await t.close();
    });

    test("the registry saw the API's routes", () => {
      const urls = new Set(built.registry.routes.map((route) => route.url));
      for (const url of ["/api/users", "/api/users/:id", "/api/account", "/api/audit"]) assert.ok(urls.has(url), url);
    });

    test("every registered route carries a policy in its config", () => {
      const missing = built.registry.routes
        .filter((route) => route.config?.policy === undefined)
        .map((route) => `${methodsOf(route).join(",")} ${route.url}`);
      assert.deepEqual(missing, [], "routes registered outside a policy group");
    });

    test("every non-public API route has rows in test/authz-matrix.json", () => {
      const uncovered: string[] = [];
      for (const route of built.registry.routes) {
        const policy = route.config?.policy;
        if (!route.url.startsWith("/api/") || policy === "public" || policy === "method-not-allowed") continue;
        for (const method of methodsOf(route)) {
          // An automatic HEAD route runs its GET handler: the GET rows cover it.
          const key = `${method === "HEAD" ? "GET" : method} ${route.url}`;
          if (!matrixRoutes.has(key)) uncovered.push(`${method} ${route.url} (${policy})`);
        }
      }
      assert.deepEqual(uncovered, [], "add rows to test/authz-matrix.json for these routes");
    });

    test("every matrix row names a route that exists and is not public, but for the verify endpoint", () => {
      const guarded = new Set<string>();
      for (const route of built.registry.routes) {
        const policy = route.config?.policy;
        // The verify endpoint is public (it answers a missing session itself) and reads the session.
        if (policy === "authenticated" || policy === "admin" || route.url === "/api/authz/verify") {
          for (const method of methodsOf(route)) guarded.add(`${method} ${route.url}`);
        }
      }
      assert.deepEqual(
        [...matrixRoutes].filter((key) => !guarded.has(key)),
        [],
        "stale or public rows in test/authz-matrix.json",
      );
    });

    test("a path that only changes state answers GET and HEAD with 405 and Allow, for anonymous, a user and an admin", async () => {
      const user = await createUser(t, "user");
      const admin = await createUser(t, "admin");
      // The requests go to the test app: the same buildApp, so the same routes as the registry lists.
      const devices: [string, HttpClient][] = [
        ["anonymous", t.client()],
        ["user", await signIn(t, user)],
        ["admin", await signIn(t, admin)],
      ];
      const [session] = await t.store.listUserSessions(user.id);
      const unsafeOnly = [...built.registry.methodsByUrl()].filter(
        ([, methods]) => !methods.has("GET") && !methods.has("HEAD"),
      );
      assert.ok(unsafeOnly.length > 0);
      const before = await snapshotStore(t);
      for (const [url, methods] of unsafeOnly) {
        const path = url.replace(":id", user.id).replace(":sessionId", session?.id ?? "none");
        for (const [who, device] of devices) {
          for (const method of ["GET", "HEAD"] as const) {
            const response = await device.request(method, path);
            const label = `${who} ${method} ${url}`;
            assert.equal(response.statusCode, 405, `${label}: ${response.body.slice(0, 200)}`);
            assert.equal(response.headers.allow, [...methods].sort().join(", "), label);
          }
        }
      }
      assert.deepEqual(await snapshotStore(t), before, "a 405 changes nothing");
    });
  });
}
