import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { noRequest } from "../../src/domain/actor.ts";
import { updateUserAsAdmin } from "../../src/domain/admin/user-admin.ts";
import type { AuditEntry } from "../../src/domain/audit/audit-chain.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import { issueApiToken } from "../../src/domain/tokens/api-token.ts";
import { createApiToken, revokeApiToken, type TokenView } from "../../src/domain/tokens/token-admin.ts";
import type { Role } from "../../src/domain/users/role.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { createWebhookEndpoint } from "../../src/domain/webhooks/webhook-admin.ts";
import { createUser, goodPassword, signIn, uniqueEmail } from "./accounts.ts";
import type { TestApp } from "./app.ts";
import { auditSince, lastAuditSeq } from "./audit.ts";
import type {
  ActorKind,
  JsonValue,
  MatrixCell,
  MatrixFile,
  RouteSetup,
  TargetKind,
  TokenActor,
} from "./authz-matrix.ts";
import type { HttpClient } from "./http-client.ts";
import { type StoreSnapshot, snapshotStore } from "./store-snapshot.ts";
import { serviceClient } from "./tokens.ts";

/**
 * @module
 * Fresh fixtures for one matrix cell, the request it sends, and raw reads of the store around it. Every
 * cell gets its own actor and target, so no cell depends on what an earlier one did.
 */

export const newPassword = "a brand new correct horse battery staple";

const cli = { type: "cli" } as const;

/** The role a target kind stands for, relative to the actor ("own" is the actor's own role). */
export function targetRole(matrix: MatrixFile, actor: ActorKind, kind: TargetKind): Role | null {
  if (kind === "missing") return null;
  if (kind === "own") return actor === "anonymous" ? null : actor;
  return matrix.targetRoles[actor][kind];
}

export interface ArrangedCell {
  /** The signed-in user, or the token's owner; null for anonymous. */
  readonly actor: UserRecord | null;
  /** The token the request is sent with; null for the session actors. */
  readonly token: TokenView | null;
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

/**
 * A token of the target, written straight into the store: the targets of DELETE /api/tokens/:id include
 * plain users, who can hold a token only as what is left of a demoted admin's (no use case issues one).
 */
async function plantToken(t: TestApp, owner: UserRecord): Promise<string> {
  const issued = issueApiToken(t.deps.random);
  const now = t.clock.now();
  await t.store.transaction((tx) =>
    tx.insertApiToken({
      id: issued.id,
      ownerId: owner.id,
      name: "matrix target",
      scopes: ["users:read"],
      secretHash: issued.secretHash,
      createdAt: now,
      expiresAt: now + 86_400_000,
      lastUsedAt: null,
    }),
  );
  return issued.id;
}

interface Principal {
  readonly actor: UserRecord | null;
  readonly token: TokenView | null;
  readonly device: HttpClient;
}

/**
 * A token actor: created for its owner by the CLI operator (the one creation path that needs no session;
 * a session's creation is the token suite's: test/http/api-tokens.test.ts), then brought into the state
 * the matrix names through the use cases, as it would come about in production.
 */
async function tokenPrincipal(t: TestApp, spec: TokenActor): Promise<Principal> {
  const owner = await createUser(t, spec.owner);
  const input = { name: "matrix service", scopes: spec.scopes, ownerId: owner.id, expiresInDays: 1 };
  const created = await createApiToken(t.deps, cli, input, noRequest);
  assert.ok(created.ok, "the matrix's token is created");
  const token = created.view;
  const service = serviceClient(t, created.token);
  switch (spec.state) {
    case "ownerDemoted": {
      const demoted = await updateUserAsAdmin(t.deps, cli, owner.id, { role: "user" }, noRequest);
      assert.ok(demoted.ok && demoted.tokensRevoked === 0, "the demoted owner keeps the token");
      return { actor: owner, token, device: service };
    }
    case "expired":
      t.clock.advance(86_400_000);
      return { actor: owner, token, device: service };
    case "revoked": {
      const revoked = await revokeApiToken(t.deps, cli, token.id, noRequest);
      assert.ok(revoked.ok, "the matrix's token is revoked");
      return { actor: owner, token, device: service };
    }
    case "withCookie": {
      const both = await signIn(t, owner);
      both.bearer = created.token;
      return { actor: owner, token, device: both };
    }
    case undefined:
      return { actor: owner, token, device: service };
  }
}

/**
 * An endpoint for the URL's :id, and for its :deliveryId a delivery of an event committed after it (or ids
 * that name nothing, as the setup asks). Its URL is a documentation address, refused by the SSRF rules at
 * once, so a test event sent in a cell needs no network.
 */
async function plantWebhook(t: TestApp, path: string, setup: RouteSetup): Promise<string> {
  const created = await createWebhookEndpoint(
    t.deps,
    { type: "cli" },
    { url: "https://192.0.2.10/gatehouse", description: "matrix endpoint" },
    noRequest,
  );
  assert.ok(created.ok, "the matrix's webhook endpoint is created");
  const endpointId =
    setup.webhookMissing === true ? `whe_${randomBytes(16).toString("base64url")}` : created.endpoint.id;
  let url = path.replace(":id", endpointId);
  if (url.includes(":deliveryId")) {
    await createUser(t, "user", uniqueEmail("webhook-event"));
    await t.store.webhooks.enqueueDeliveries(t.clock.now(), 100);
    const [delivery] = await t.store.webhooks.listWebhookDeliveries(created.endpoint.id, {
      status: null,
      before: null,
      limit: 1,
    });
    assert.ok(delivery !== undefined, "the matrix's webhook delivery is planted");
    const deliveryId = setup.deliveryMissing === true ? `whd_${randomBytes(16).toString("base64url")}` : delivery.id;
    url = url.replace(":deliveryId", deliveryId);
  }
  return url;
}

/** Creates the bystander superuser, the actor and the target, signs them in, and moves the clock. */
export async function arrangeCell(t: TestApp, matrix: MatrixFile, cell: MatrixCell): Promise<ArrangedCell> {
  const { route } = cell;
  const setup = route.setup ?? {};
  if (setup.bystanderSuperuser !== false) await createUser(t, "superuser", uniqueEmail("bystander"));
  // A token actor is arranged first: an expired one moves the clock a day, which the targets' sessions
  // (signed in below) must not lose.
  const principal = cell.token === null ? null : await tokenPrincipal(t, cell.token);
  const actor =
    principal !== null ? principal.actor : cell.rolesOf === "anonymous" ? null : await createUser(t, cell.rolesOf);
  const kind = cell.target;
  const role = kind === null ? null : targetRole(matrix, cell.rolesOf, kind);
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
  const device = principal?.device ?? (actor === null ? t.client() : await signIn(t, actor));
  if (setup.signedInMinutesAgo !== undefined) t.clock.advance(setup.signedInMinutesAgo * 60_000);

  let url = route.path;
  if (route.target === "user") {
    url = url.replace(":id", targetUser?.id ?? randomUUID());
  } else if (route.target === "session") {
    const sessionId = targetUser === null ? randomBytes(16).toString("base64url") : await sessionIdOf(t, targetUser);
    url = url.replace(":sessionId", sessionId);
  } else if (route.target === "token") {
    const tokenId = targetUser === null ? randomBytes(16).toString("base64url") : await plantToken(t, targetUser);
    url = url.replace(":id", tokenId);
  } else if (route.target === "webhook") {
    url = await plantWebhook(t, url, setup);
  }
  if (route.query !== undefined) url = `${url}?${route.query}`;
  const body = route.body === undefined ? undefined : fill(route.body, role);
  return { actor, token: principal?.token ?? null, device, targetUser, url, body };
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
