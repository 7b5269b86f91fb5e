import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import type { Role } from "../../src/domain/users/role.ts";
import { createSignedInUser, createUser } from "../support/accounts.ts";
import { contractOf, type OpenApiDocument, type OperationObject } from "../support/api-contract.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import { invalidValue, type SchemaContext, validValue } from "../support/schema-arbitrary.ts";
import { snapshotStore } from "../support/store-snapshot.ts";
import { createTokenOwner } from "../support/tokens.ts";

/**
 * Issue 11, property-based fuzzing from the document. For every operation, fast-check draws requests from
 * its schemas (path, query and body; valid and invalid) and each is sent as each role with the CSRF header
 * a browser of that session would send. Every answer is held to the document by the client's contract
 * check (documented status, content type, body, headers); here, in addition: never a 5xx, a refusal changes
 * no user and no session, and an operation that needs a session refuses a request without one.
 * Bounded and seeded: FUZZ_SEED=<n> reproduces a run, FUZZ_RUNS=<n> sets the cases per operation and role.
 */

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const runs = Number(process.env.FUZZ_RUNS ?? 10);
/** The roles' signed-in users, and one service: an admin's API token with every scope of the admin API. */
const roles = ["anonymous", "user", "admin", "superuser", "token"] as const;
type Caller = (typeof roles)[number];

interface FuzzCase {
  readonly pathParams: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly valid: boolean;
}

for (const engine of engines) {
  describe(`OpenAPI fuzzing (${engine}), seed ${seed}`, () => {
    let t: TestApp;
    let document: OpenApiDocument;
    before(async () => {
      t = await startTestApp(engine);
      for (const role of ["user", "admin", "superuser"] as const) await createSignedInUser(t, role);
      document = (await contractOf(t.app)).document;
    });
    after(() => t.close());

    test("every operation, every role: no 5xx, nothing undocumented, no change after a refusal", {
      timeout: 600_000,
    }, async () => {
      const started = performance.now();
      const context: SchemaContext = { resolve: (ref) => resolveRef(document, ref) };
      let sent = 0;
      let operations = 0;
      const statuses = new Map<number, number>();
      for (const [path, byMethod] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(byMethod)) {
          operations += 1;
          const cases = fc.sample(caseArbitrary(operation, context, await knownIds(t)), {
            seed: seed + operations,
            numRuns: runs,
          });
          for (const role of roles) {
            for (const fuzzCase of cases) {
              const caller = await callerFor(t, role);
              const url = urlOf(path, fuzzCase);
              const before = await snapshotStore(t);
              const response = await send(caller, method, url, fuzzCase.body);
              sent += 1;
              statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
              const where = `${method.toUpperCase()} ${url} as ${role} (seed ${seed}): ${response.statusCode} ${response.body.slice(0, 300)}`;
              assert.ok(response.statusCode < 500, where);
              if (role === "anonymous" && (operation.security ?? []).length > 0) {
                assert.ok([400, 401, 403, 413, 415].includes(response.statusCode), `without a session: ${where}`);
                assert.notEqual(response.statusCode, 200, where);
              }
              if (response.statusCode >= 400)
                assert.deepEqual(await snapshotStore(t), before, `a refusal changed state: ${where}`);
            }
          }
        }
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `fuzz (${engine}): seed ${seed}, ${operations} operations, ${runs} cases per operation and role, ${sent} requests in ${seconds} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
      assert.ok(operations >= 20 && sent === operations * runs * roles.length);
    });
  });
}

function resolveRef(document: OpenApiDocument, ref: string): Record<string, unknown> {
  const name = ref.replace("#/components/schemas/", "");
  const schemas = (document.components.schemas ?? {}) as Record<string, Record<string, unknown>>;
  const schema = schemas[name];
  if (schema === undefined) throw new Error(`unresolved ${ref}`);
  return schema;
}

/** Ids a path may name: real users, sessions and API tokens (to reach the handlers), and ids that name nothing. */
async function knownIds(t: TestApp): Promise<string[]> {
  const users = await t.store.listUsers({ limit: 20 });
  const sessions = (await Promise.all(users.slice(0, 5).map((user) => t.store.listUserSessions(user.id)))).flat();
  const tokens = (await Promise.all(users.map((user) => t.store.listUserApiTokens(user.id)))).flat();
  return [
    ...users.map((user) => user.id),
    ...sessions.map((session) => session.id),
    ...tokens.map((token) => token.id),
  ];
}

function caseArbitrary(
  operation: OperationObject,
  context: SchemaContext,
  ids: readonly string[],
): fc.Arbitrary<FuzzCase> {
  const named = ids.length > 0 ? [fc.constantFrom(...ids)] : [];
  const idArbitrary = fc.oneof(...named, fc.uuid(), fc.string({ maxLength: 80 }));
  const parameters = operation.parameters ?? [];
  const pathParams: Record<string, fc.Arbitrary<string>> = {};
  for (const parameter of parameters.filter((p) => p.in === "path")) pathParams[parameter.name] = idArbitrary;
  const queryValues: Record<string, fc.Arbitrary<unknown>> = {};
  for (const parameter of parameters.filter((p) => p.in === "query")) {
    queryValues[parameter.name] = fc.oneof(
      validValue(parameter.schema ?? {}, context),
      invalidValue(parameter.schema ?? {}, context),
    );
  }
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  const valid = fc.record({
    pathParams: fc.record(pathParams),
    query: fc.record(queryValues, { requiredKeys: [] }),
    body: bodySchema === undefined ? fc.constant(undefined) : validValue(bodySchema, context),
    valid: fc.constant(true),
  });
  if (bodySchema === undefined) return valid;
  const invalid = fc.record({
    pathParams: fc.record(pathParams),
    query: fc.constant({}),
    body: invalidValue(bodySchema, context),
    valid: fc.constant(false),
  });
  return fc.oneof(valid, invalid);
}

function urlOf(path: string, fuzzCase: FuzzCase): string {
  const filled = path.replace(/\{(\w+)\}/g, (_all, name: string) =>
    encodeURIComponent(fuzzCase.pathParams[name] ?? ""),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(fuzzCase.query)) {
    query.set(name, typeof value === "string" ? value : JSON.stringify(value));
  }
  const text = query.toString();
  return text === "" ? filled : `${filled}?${text}`;
}

function send(caller: HttpClient, method: string, url: string, body: unknown) {
  const upper = method.toUpperCase() as "GET" | "POST" | "PATCH" | "DELETE";
  return caller.request(upper, url, body === undefined ? {} : { body });
}

/** A signed-in device of the role, made fresh when the last case ended its session or its account. */
const devices = new WeakMap<TestApp, Map<Caller, HttpClient>>();
async function callerFor(t: TestApp, role: Caller): Promise<HttpClient> {
  if (role === "anonymous") return t.client();
  const byRole = devices.get(t) ?? new Map<Caller, HttpClient>();
  devices.set(t, byRole);
  const existing = byRole.get(role);
  if (role === "token") {
    // Another role's case may have deleted, disabled or demoted the token's owner: then a fresh one.
    if (existing !== undefined && (await existing.clone().get("/api/users?limit=1")).statusCode === 200)
      return existing;
    const { service } = await createTokenOwner(t, "admin", [
      "users:read",
      "users:write",
      "audit:read",
      "sessions:introspect",
    ]);
    byRole.set(role, service);
    return service;
  }
  if (existing !== undefined && (await existing.clone().get("/api/auth/session")).statusCode === 200) return existing;
  if (role === "superuser") await createUser(t, "superuser"); // never the last one: demoting it stays refusable
  const { device } = await createSignedInUser(t, role as Role);
  byRole.set(role, device);
  return device;
}
