import assert from "node:assert/strict";
import { noRequest } from "../../src/domain/actor.ts";
import type { DeletionReceipt } from "../../src/domain/deletion/delete-user.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import type { Role } from "../../src/domain/users/role.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import type { TestApp } from "./app.ts";
import type { HttpClient } from "./http-client.ts";

/**
 * @module
 * Accounts and the devices signed in to them: created through the use case, signed in through the API,
 * re-authenticated, deleted. Every helper checks that its step worked, so a suite fails where it broke.
 */

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

/** One login attempt from the given client address, whatever it answers (the throttles count by address). */
export function loginFrom(t: TestApp, address: string, email: string, password: string) {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    remoteAddress: address,
    headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" },
    payload: JSON.stringify({ email, password }),
  });
}

/** A device that signs in with a given User-Agent, so the session list can tell devices apart. */
export async function signInWithAgent(t: TestApp, user: { email: string }, userAgent: string): Promise<HttpClient> {
  const client = t.client();
  const response = await client.post(
    "/api/auth/login",
    { email: user.email, password: goodPassword },
    { headers: { "user-agent": userAgent } },
  );
  assert.equal(response.statusCode, 200, response.body);
  return client;
}

/** Signs the same user in on several devices. */
export async function signInMany(t: TestApp, user: { email: string }, count: number): Promise<HttpClient[]> {
  const devices: HttpClient[] = [];
  for (let i = 0; i < count; i += 1) devices.push(await signInWithAgent(t, user, `Device/${i + 1}`));
  return devices;
}

export interface SignedInUser {
  readonly user: UserRecord;
  readonly device: HttpClient;
}

/** A fresh account of the given role, signed in on one device (freshly authenticated: step-up satisfied). */
export async function createSignedInUser(t: TestApp, role: Role = "user"): Promise<SignedInUser> {
  const user = await createUser(t, role);
  return { user, device: await signIn(t, user) };
}

/** Moves the clock just past the step-up window; sessions stay alive (the idle limit is longer). */
export function leaveReauthWindow(t: TestApp): void {
  t.clock.advance(t.deps.lifetimes.reauthWindowMs + 60_000);
}

export async function reauthenticate(device: HttpClient, password = goodPassword): Promise<void> {
  const response = await device.post("/api/auth/reauthenticate", { password });
  assert.equal(response.statusCode, 204, response.body);
}

/** An admin-path deletion that must succeed; returns the receipt. */
export async function adminDeletes(admin: HttpClient, id: string, reason = "test clean-up"): Promise<DeletionReceipt> {
  const response = await admin.delete(`/api/users/${id}`, { reason });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as DeletionReceipt;
}
