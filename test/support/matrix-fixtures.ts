import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { noRequest } from "../../src/domain/actor.ts";
import type { AuditEntry } from "../../src/domain/audit/audit-chain.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import type { Role } from "../../src/domain/users/role.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { createUser, goodPassword, signIn, uniqueEmail } from "./accounts.ts";
import type { TestApp } from "./app.ts";
import { auditSince, lastAuditSeq } from "./audit.ts";
import type { ActorKind, JsonValue, MatrixCell, MatrixFile, TargetKind } from "./authz-matrix.ts";
import type { HttpClient } from "./http-client.ts";
import { type StoreSnapshot, snapshotStore } from "./store-snapshot.ts";

/**
 * @module
 * Fresh fixtures for one matrix cell, the request it sends, and raw reads of the store around it. Every
 * cell gets its own actor and target, so no cell depends on what an earlier one did.
 */

export const newPassword = "a brand new correct horse battery staple";

/** The role a target kind stands for, relative to the actor ("own" is the actor's own role). */
export function targetRole(matrix: MatrixFile, actor: ActorKind, kind: TargetKind): Role | null {
  if (kind === "missing") return null;
  if (kind === "own") return actor === "anonymous" ? null : actor;
  return matrix.targetRoles[actor][kind];
}

export interface ArrangedCell {
  readonly actor: UserRecord | null;
  readonly device: HttpClient;
  /** The user the target kind stands for: the actor for "own", null for "missing" and role targets. */
  readonly targetUser: UserRecord | null;
  readonly url: string;
  readonly body: JsonValue | undefined;
}

/** Replaces the body placeholders the matrix uses (see its $comment). */
function placeholder(value: string, role: Role | null): string {
  switch (value) {
    case "$password":
      return goodPassword;
    case "$newPassword":
      return newPassword;
    case "$email":
      return uniqueEmail("created");
    case "$targetRole":
      if (role === null) throw new Error("$targetRole has no value in this cell");
      return role;
    default:
      return value;
  }
}

function fill(value: JsonValue, role: Role | null): JsonValue {
  if (typeof value === "string") return placeholder(value, role);
  if (Array.isArray(value)) return value.map((item) => fill(item, role));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, role)]));
  }
  return value;
}

async function sessionIdOf(t: TestApp, user: UserRecord): Promise<string> {
  const [session] = await t.store.listUserSessions(user.id);
  assert.ok(session !== undefined, "the target has a session");
  return session.id;
}

/** Creates the bystander superuser, the actor and the target, signs them in, and moves the clock. */
export async function arrangeCell(t: TestApp, matrix: MatrixFile, cell: MatrixCell): Promise<ArrangedCell> {
  const { route } = cell;
  const setup = route.setup ?? {};
  if (setup.bystanderSuperuser !== false) await createUser(t, "superuser", uniqueEmail("bystander"));
  const actor = cell.actor === "anonymous" ? null : await createUser(t, cell.actor);
  const kind = cell.target;
  const role = kind === null ? null : targetRole(matrix, cell.actor, kind);
  let targetUser: UserRecord | null = null;
  if (kind === "own") targetUser = actor;
  else if (route.target !== "role" && role !== null) {
    targetUser = await createUser(t, role);
    // Targets are signed in, so revoking or keeping their sessions is visible in the snapshot.
    await signIn(t, targetUser);
    if (setup.targetScheduledForDeletion === true) {
      const scheduled = await deleteUser(t.deps, { type: "cli" }, targetUser.id, { reason: "matrix" }, noRequest);
      assert.ok(scheduled.ok && scheduled.receipt.status === "scheduled", "the target is scheduled for deletion");
    }
  }
  const device = actor === null ? t.client() : await signIn(t, actor);
  if (setup.signedInMinutesAgo !== undefined) t.clock.advance(setup.signedInMinutesAgo * 60_000);

  let url = route.path;
  if (route.target === "user") {
    url = url.replace(":id", targetUser?.id ?? randomUUID());
  } else if (route.target === "session") {
    const sessionId = targetUser === null ? randomBytes(16).toString("base64url") : await sessionIdOf(t, targetUser);
    url = url.replace(":sessionId", sessionId);
  }
  if (route.query !== undefined) url = `${url}?${route.query}`;
  return { actor, device, targetUser, url, body: route.body === undefined ? undefined : fill(route.body, role) };
}

export interface CellOutcome {
  readonly arranged: ArrangedCell;
  readonly response: LightMyRequestResponse;
  readonly before: StoreSnapshot;
  readonly after: StoreSnapshot;
  /** The audit rows the request wrote, oldest first. */
  readonly audit: readonly AuditEntry[];
}

export async function sendCell(arranged: ArrangedCell, method: MatrixCell["route"]["method"]) {
  return arranged.device.request(method, arranged.url, arranged.body === undefined ? {} : { body: arranged.body });
}

/** Arranges the cell, snapshots the store, sends the request and snapshots again. */
export async function runCell(t: TestApp, matrix: MatrixFile, cell: MatrixCell): Promise<CellOutcome> {
  const arranged = await arrangeCell(t, matrix, cell);
  const before = await snapshotStore(t);
  const seq = await lastAuditSeq(t);
  const response = await sendCell(arranged, cell.route.method);
  const after = await snapshotStore(t);
  return { arranged, response, before, after, audit: await auditSince(t, seq) };
}

const emailPattern = /[^\s"@]+@[^\s"@]+\.[^\s"@]+/;

/** Audit rows hold ids, never e-mail addresses (docs: src/domain/audit/audit-chain.ts). */
export function assertAuditHasNoEmail(outcome: CellOutcome, label: string): void {
  for (const entry of outcome.audit) {
    const text = JSON.stringify(entry);
    assert.doesNotMatch(text, emailPattern, `${label}: audit row ${entry.seq} holds an e-mail address`);
    for (const user of outcome.before.users) {
      assert.ok(!text.includes(user.email), `${label}: audit row ${entry.seq} holds ${user.email}`);
    }
  }
}
