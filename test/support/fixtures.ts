import assert from "node:assert/strict";
import { createAccount } from "../../src/domain/accounts.ts";
import { noRequest } from "../../src/domain/context.ts";
import type { Role } from "../../src/domain/role.ts";
import type { UserRecord } from "../../src/domain/user.ts";
import type { TestApp } from "./app.ts";
import type { HttpClient } from "./http-client.ts";

export const goodPassword = "correct horse battery staple";

let sequence = 0;

export function uniqueEmail(label = "user"): string {
  sequence += 1;
  return `${label}-${sequence}-${process.pid}@example.test`;
}

/** Creates an account directly through the use case (as the CLI would), no session. */
export async function createUser(t: TestApp, role: Role = "user", email = uniqueEmail(role)): Promise<UserRecord> {
  const result = await t.deps.store.getUserByEmail(email);
  assert.equal(result, null);
  const created = await createAccount(
    t.deps,
    { type: "cli" },
    { email, password: goodPassword, role },
    noRequest,
    null,
  );
  assert.ok(created.ok, "fixture account was created");
  return created.user;
}

/** A new device that signs in as the given user and checks it worked. */
export async function signIn(
  t: TestApp,
  user: { email: string },
  password = goodPassword,
  remoteAddress?: string,
): Promise<HttpClient> {
  const client = t.client(remoteAddress);
  const response = await client.post("/api/auth/login", { email: user.email, password });
  assert.equal(response.statusCode, 200, response.body);
  return client;
}

export function problemCode(response: { headers: Record<string, unknown>; json(): unknown }): string {
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  return (response.json() as { code: string }).code;
}
