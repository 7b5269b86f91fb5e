import assert from "node:assert/strict";
import type { AuditEntry, AuditQuery } from "../../src/domain/audit.ts";
import type { DeletionReceipt } from "../../src/domain/delete-user.ts";
import type { Role } from "../../src/domain/role.ts";
import type { UserRecord } from "../../src/domain/user.ts";
import type { TestApp } from "./app.ts";
import { createUser, goodPassword, signIn } from "./fixtures.ts";
import type { HttpClient } from "./http-client.ts";

/** Helpers shared by the deletion suites (test/http/deletion*.test.ts and friends). */

export interface SignedIn {
  readonly user: UserRecord;
  readonly device: HttpClient;
}

/** A fresh account of the given role, signed in on one device (freshly authenticated: step-up satisfied). */
export async function signedIn(t: TestApp, role: Role = "user"): Promise<SignedIn> {
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

/** Audit entries matching the query, newest first. */
export function auditOf(t: TestApp, query: Omit<AuditQuery, "limit">): Promise<AuditEntry[]> {
  return t.store.listAudit({ ...query, limit: 1000 });
}

/** The whole chain, oldest first. */
export async function wholeAudit(t: TestApp): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const entry of t.store.readAuditChain()) entries.push(entry);
  return entries;
}

/** An admin-path deletion that must succeed; returns the receipt. */
export async function adminDeletes(admin: HttpClient, id: string, reason = "test clean-up"): Promise<DeletionReceipt> {
  const response = await admin.delete(`/api/users/${id}`, { reason });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as DeletionReceipt;
}

/** Status codes of every device's next request on the given authenticated routes, all sent at once. */
export async function replayEverywhere(devices: readonly HttpClient[]): Promise<number[]> {
  const requests = devices.flatMap((device) => [
    device.get("/api/auth/session"),
    device.get("/api/account"),
    device.delete("/api/account/sessions/x"),
  ]);
  return (await Promise.all(requests)).map((response) => response.statusCode);
}
