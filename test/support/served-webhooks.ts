import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { parseConfig } from "../../src/config.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { EventPayload, EventType } from "../../src/domain/events/user-event.ts";
import type { TokenScope } from "../../src/domain/tokens/api-token.ts";
import { createApiToken } from "../../src/domain/tokens/token-admin.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import { createWebhookEndpoint } from "../../src/domain/webhooks/webhook-admin.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword } from "./accounts.ts";
import { fastHasher } from "./app.ts";
import { createTestDatabase, type EngineName, type TestDatabase } from "./databases.ts";
import { newScimUser } from "./scim.ts";
import type { ReceivedRequest } from "./webhook-receiver.ts";

/**
 * @module
 * A database made ready for real `gatehouse serve` processes (test/support/server-process.ts) that deliver
 * webhooks to a loopback receiver: the operator's part done beforehand through the use cases, as actor `cli`
 * (what `gatehouse create-superuser` and `gatehouse tokens create` do): a superuser, its API tokens, and an
 * endpoint. The served processes then get the acts over HTTP, with those tokens, as a service would send them.
 */
const cli = { type: "cli" } as const;

export interface ServedDatabase {
  readonly database: TestDatabase;
  /** The environment every server process on this database gets (same secret, same database). */
  readonly variables: Readonly<Record<string, string>>;
  readonly endpointId: string;
  /** The endpoint's signing secret, as its creator was shown it once. */
  readonly webhookSecret: string;
  /** A `users:write` token of the superuser: deletes and updates users over the API, no step-up. */
  readonly usersToken: string;
  /** A `scim` token of the superuser: provisions users without a password (no argon2 work). */
  readonly scimToken: string;
  drop(): Promise<void>;
}

export async function prepareServedDatabase(
  engine: EngineName,
  receiverUrl: string,
  eventTypes?: readonly EventType[],
): Promise<ServedDatabase> {
  const database = await createTestDatabase(engine);
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-served-"));
  const variables = {
    DATA_DIR: dataDir,
    DATABASE_URL: database.location.kind === "sqlite" ? database.location.path : database.location.url,
    GATEHOUSE_SECRET: randomBytes(32).toString("base64"),
    WEBHOOK_TIMEOUT_SECONDS: "1",
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true",
  };
  const { deps, store } = await openDeps(parseConfig(variables), { hasher: fastHasher });
  try {
    const owner = await createAccount(
      deps,
      cli,
      { email: "operator@example.test", password: goodPassword, role: "superuser" },
      noRequest,
      null,
    );
    assert.ok(owner.ok, JSON.stringify(owner));
    const token = async (scope: TokenScope) => {
      const created = await createApiToken(
        deps,
        cli,
        { name: `fault tests ${scope}`, scopes: [scope], ownerId: owner.user.id },
        noRequest,
      );
      assert.ok(created.ok, JSON.stringify(created));
      return created.token;
    };
    const endpoint = await createWebhookEndpoint(
      deps,
      cli,
      { url: receiverUrl, description: "fault tests", ...(eventTypes === undefined ? {} : { eventTypes }) },
      noRequest,
    );
    assert.ok(endpoint.ok, JSON.stringify(endpoint));
    return {
      database,
      variables,
      endpointId: endpoint.endpoint.id,
      webhookSecret: endpoint.secret,
      usersToken: await token("users:write"),
      scimToken: await token("scim"),
      async drop() {
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } finally {
    await store.close();
  }
}

/** A service's request to a served process over a real socket, with its bearer token. */
export async function serviceRequest(
  baseUrl: string,
  token: string,
  method: "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const scim = path.startsWith("/scim/");
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = scim ? "application/scim+json" : "application/json";
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.text() };
}

/** A user provisioned over SCIM (no password); answers the new user's id. */
export async function provisionUser(baseUrl: string, scimToken: string, userName: string): Promise<string> {
  const created = await serviceRequest(baseUrl, scimToken, "POST", "/scim/v2/Users", newScimUser(userName));
  assert.equal(created.status, 201, created.body);
  return (JSON.parse(created.body) as { id: string }).id;
}

/** A user deleted through the admin API; must answer 200 (the receipt). */
export async function deleteThroughApi(baseUrl: string, usersToken: string, userId: string): Promise<void> {
  const deleted = await serviceRequest(baseUrl, usersToken, "DELETE", `/api/users/${encodeURIComponent(userId)}`);
  assert.equal(deleted.status, 200, deleted.body);
}

export interface VerifiedDelivery {
  readonly webhookId: string;
  readonly payload: EventPayload;
  readonly receivedAt: number;
}

/** A received request verified as a receiver would, with `standardwebhooks` (throws on a bad signature). */
export function verifyDelivery(secret: string, request: ReceivedRequest): VerifiedDelivery {
  const headers = {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  };
  const payload = new Webhook(secret).verify(request.body, headers) as EventPayload;
  assert.equal(payload.id, headers["webhook-id"], "webhook-id is the event's id");
  return { webhookId: headers["webhook-id"], payload, receivedAt: request.receivedAt };
}

/** Polls until `done()` holds, every 25 ms; fails with `what` after `boundMs` (a bound, never a measurement). */
export async function waitUntil(what: string, done: () => boolean | Promise<boolean>, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting (${boundMs} ms) until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
