import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { errorCodes } from "../../src/domain/errors.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { createHttpApp } from "../../src/http/http-app.ts";
import { apiVersion, registerOpenApi } from "../../src/http/openapi/openapi-document.ts";
import { routeGroup } from "../../src/http/route-policy.ts";
import { isApiPath } from "../../src/http/security-headers.ts";
import { sessionCookieFor } from "../../src/http/session-cookie.ts";
import { createSignedInUser } from "../support/accounts.ts";
import { checkExchange, type OpenApiDocument } from "../support/api-contract.ts";
import { startTestApp, type TestApp } from "../support/app.ts";

/**
 * Issue 11: the served OpenAPI document is valid 3.1, lists exactly the API's routes with every answer
 * each can give, matches the README's route table, and is what the server enforces: a route without a
 * response schema cannot start, and one answering what it does not declare fails the contract check.
 */

let t: TestApp;
let document: OpenApiDocument;
before(async () => {
  t = await startTestApp("sqlite");
  const response = await t.client().get("/api/openapi.json");
  document = response.json() as OpenApiDocument;
});
after(() => t.close());

const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
  );

describe("GET /api/openapi.json", () => {
  test("validates as OpenAPI 3.1 with a standard validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    assert.equal(validator.version, "3.1");
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  test("is public and cacheable, with a strong ETag that revalidates to 304", async () => {
    const anonymous = await t.client().get("/api/openapi.json");
    assert.equal(anonymous.statusCode, 200);
    assert.match(String(anonymous.headers["cache-control"]), /^public, max-age=\d+$/);
    const etag = String(anonymous.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    const again = await t.client().get("/api/openapi.json", { headers: { "if-none-match": etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
  });

  test("the document says the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.equal(apiVersion, pkg.version);
    assert.equal((document as unknown as { info: { version: string } }).info.version, pkg.version);
  });

  test("lists every API route the app has, and nothing else: no page, no 405 route, no HEAD", () => {
    const documented = new Set(operationsOf(document).map(({ key }) => key));
    const registered = new Set<string>();
    for (const route of t.registry.routes) {
      if (!isApiPath(route.url) || route.config?.policy === "method-not-allowed") continue;
      for (const method of [route.method].flat()) {
        if (method !== "HEAD") registered.add(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
      }
    }
    assert.ok(registered.size >= 20);
    assert.deepEqual([...documented].sort(), [...registered].sort());
    for (const key of documented) assert.match(key, /^[A-Z]+ (\/api\/|\/healthz$)/);
  });

  test("every operation names each answer it can give, with exactly the codes of that status", () => {
    for (const { key, operation } of operationsOf(document)) {
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((status) => /^2/.test(status)),
        `${key} has no success`,
      );
      for (const status of ["400", "500"]) assert.ok(statuses.includes(status), `${key} lacks ${status}`);
      const unsafe = !key.startsWith("GET ");
      if (unsafe)
        for (const status of ["403", "413", "415"]) assert.ok(statuses.includes(status), `${key} lacks ${status}`);
      const signedIn = (operation.security ?? []).length > 0;
      if (signedIn) assert.ok(statuses.includes("401"), `${key} lacks 401`);
      // The session needs its CSRF token on an unsafe request; an API token (where the route takes one) never does.
      if (signedIn && unsafe) assert.deepEqual(operation.security?.[0], { sessionCookie: [], csrfToken: [] }, key);
      for (const alternative of (operation.security ?? []).slice(1))
        assert.deepEqual(alternative, { apiToken: [] }, key);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        const schema = response.content?.["application/problem+json"]?.schema as
          | { allOf: [unknown, { properties: { code: { enum: string[] } } }] }
          | undefined;
        assert.ok(schema !== undefined, `${key} ${status} is not problem+json`);
        for (const code of schema.allOf[1].properties.code.enum) {
          assert.equal(
            String(errorCodes[code as keyof typeof errorCodes].status),
            status,
            `${key}: ${code} under ${status}`,
          );
        }
        if (status === "429") assert.ok(response.headers?.["Retry-After"]?.required, `${key} 429 without Retry-After`);
      }
    }
  });

  test("201s say where the new resource is, sign-ins say they set the cookie", () => {
    const created = document.paths["/api/users"]?.post?.responses["201"];
    assert.equal(created?.headers?.Location?.required, true);
    assert.equal(document.paths["/api/auth/login"]?.post?.responses["200"]?.headers?.["Set-Cookie"]?.required, true);
    assert.equal(
      document.paths["/api/auth/logout"]?.post?.responses["204"]?.headers?.["Clear-Site-Data"]?.required,
      true,
    );
  });

  test("the README's route table names exactly the documented operations", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const table = readme.slice(readme.indexOf("| route | who | what |"));
    const rows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
    const listed = new Set<string>();
    for (const row of rows) {
      const cell = row.split("|")[1] ?? "";
      // "`GET`, `PATCH /api/account`" and "`GET /api/audit`, `GET /api/audit/verify`" both occur.
      const parts = [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
      const path = parts.map((part) => part.split(" ")[1]).find((p) => p !== undefined);
      for (const part of parts) {
        const [method, own] = part.split(" ");
        listed.add(`${method} ${(own ?? path ?? "").replace(/:(\w+)/g, "{$1}")}`);
      }
    }
    const documented = operationsOf(document).map(({ key }) => key);
    assert.deepEqual([...listed].sort(), documented.sort());
  });
});

/** A bare HTTP app with the document machinery and no routes: each test adds the route it is about. */
async function throwawayApp() {
  const { app } = await createHttpApp({ deps: t.deps, publicUrl: t.config.publicUrl, secret: t.secret }, defaultLimits);
  await registerOpenApi(app, {
    publicUrl: t.config.publicUrl,
    cookie: sessionCookieFor(t.config.publicUrl, 60_000),
    version: apiVersion,
  });
  return app;
}

describe("the document is what the server enforces", () => {
  test("a route added without a response schema stops the app from starting", async () => {
    const app = await throwawayApp();
    await app.register(
      routeGroup("public", (group) => {
        group.get("/api/undocumented", async () => ({ hi: 1 }));
      }),
    );
    await assert.rejects(async () => {
      await app.ready();
    }, /API routes without a response schema for their success: GET \/api\/undocumented/);
    await app.close();
  });

  test("a route answering a status it does not declare fails the contract check", async () => {
    const app = await throwawayApp();
    const { openApiRoutes } = await import("../../src/http/routes/openapi-routes.ts");
    await app.register(
      routeGroup("public", (group) => {
        openApiRoutes(group);
        group.get(
          "/api/teapot",
          { schema: { response: { 200: z.object({ ok: z.boolean() }) } } },
          async (_request, reply) => reply.code(418 as never).send({ ok: true } as never),
        );
        group.get("/api/leaky", { schema: { response: { 200: z.object({ ok: z.boolean() }) } } }, async () => ({
          ok: "yes",
        }));
      }),
    );
    app.decorateRequest("auth", null);
    await app.ready();
    const teapot = await app.inject({ method: "GET", url: "/api/teapot" });
    assert.equal(teapot.statusCode, 418);
    await assert.rejects(
      checkExchange(
        app,
        { method: "GET", url: "/api/teapot", contentType: undefined, body: undefined, unparseableBody: false },
        teapot,
      ),
      /status 418 is not documented/,
    );
    // A body its own schema refuses never leaves: the serializer turns it into a logged 500.
    const leaky = await app.inject({ method: "GET", url: "/api/leaky" });
    assert.equal(leaky.statusCode, 500);
    assert.doesNotMatch(leaky.body, /yes/);
    await app.close();
  });

  test("a success carries only what its schema names: a member added to a record cannot leak", async () => {
    const { device } = await createSignedInUser(t, "superuser");
    const response = await device.get("/api/account");
    const user = (response.json() as { user: Record<string, unknown> }).user;
    assert.deepEqual(Object.keys(user).sort(), [
      "createdAt",
      "email",
      "id",
      "name",
      "purgeAfter",
      "role",
      "status",
      "updatedAt",
    ]);
  });
});
