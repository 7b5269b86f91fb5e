import { z } from "zod";
import { auditOutcomes } from "../../domain/audit/audit-chain.ts";
import { errorCodes } from "../../domain/errors.ts";
import { eventTypes } from "../../domain/events/user-event.ts";
import { tokenScopes } from "../../domain/tokens/api-token.ts";
import { roles } from "../../domain/users/role.ts";
import { maxNameLength, userStatuses } from "../../domain/users/user.ts";
import { maxReturnUrlLength } from "../return-url.ts";

/**
 * @module
 * What the API answers, as zod schemas: the response schema of every route, so the same schema serializes
 * the answer and documents it (/api/openapi.json). Serializing through a schema also strips any member it
 * does not name, so a field added to a domain record cannot leak out of the API by accident. Each schema
 * named with `meta({ id })` becomes a component of the document that generated clients name as a type.
 */

export const timestamp = z.iso.datetime().max(40).describe("An instant, as an RFC 3339 timestamp in UTC.");
const uuid = z.uuid().max(36);

export const publicUser = z
  .object({
    id: uuid,
    email: z.string().max(254),
    name: z.string().max(maxNameLength),
    role: z.enum(roles),
    status: z.enum(userStatuses),
    createdAt: timestamp,
    updatedAt: timestamp,
    purgeAfter: timestamp.nullable().describe("When a scheduled deletion erases the account; null if none."),
  })
  .meta({ id: "User", description: "What any API or page may show of a user." });

export const sessionView = z
  .object({
    id: z.string().max(64),
    current: z.boolean().describe("True for the session this request was made with."),
    createdAt: timestamp,
    lastSeenAt: timestamp,
    expiresAt: timestamp.describe("The absolute end; an idle session ends earlier."),
    ip: z.string().max(64),
    userAgent: z.string().max(512),
  })
  .meta({ id: "Session", description: "A live session. Never its token, which travels only in Set-Cookie." });

const csrfToken = z.string().max(128).describe("Send it as X-CSRF-Token with every unsafe request of this session.");

export const sessionPayloadSchema = z
  .object({ user: publicUser, session: sessionView, csrfToken })
  .meta({ id: "SignedInSession", description: "The caller's session as its owner sees it." });

/** A login's answer: the session, and where to send the client next (`next` if it may go there). */
export const loggedInPayload = sessionPayloadSchema
  .extend({
    returnTo: z
      .string()
      .max(maxReturnUrlLength)
      .describe("The `next` the request gave, if it may be followed (return-url.ts); else the account page."),
  })
  .meta({ id: "LoggedIn", description: "A new session, and where the client goes next." });

const sessionsRevoked = z.number().int().min(0);
const tokensRevoked = z.number().int().min(0).describe("API tokens of the user that were revoked with the act.");

export const userPayload = z.object({ user: publicUser });

export const updatedUserPayload = z.object({ user: publicUser, sessionsRevoked, tokensRevoked });

export const passwordChangedPayload = z.object({ user: publicUser, csrfToken, sessionsRevoked });

export const sessionsPayload = z.object({ sessions: z.array(sessionView).max(10_000) });

export const sessionsRevokedPayload = z.object({ sessionsRevoked });

/** A request taken for later (forgot password, sign-up with mail): one sentence, the same whatever the address. */
export const acceptedPayload = z.object({
  message: z.string().max(200).describe("The same sentence whether or not the address has an account."),
});

export const userListPayload = z.object({
  users: z.array(publicUser).max(100),
  nextCursor: uuid.nullable().describe("Pass as `after` for the next page; null on the last page."),
});

export const deletionReceipt = z
  .object({
    id: uuid,
    status: z.enum(["deleted", "scheduled"]),
    sessionsRevoked,
    tokensRevoked,
    purgeAfter: timestamp.nullable(),
    at: timestamp,
  })
  .meta({
    id: "DeletionReceipt",
    description: "What a deletion did: every session and API token was ended before this answer.",
  });

const errorCode = z.enum(Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]]);

export const deletionPlanPayload = z
  .object({
    id: uuid,
    allowed: z.boolean(),
    blockers: z
      .array(z.object({ code: errorCode, title: z.string().max(200), detail: z.string().max(500).nullable() }))
      .max(20)
      .readonly(),
    mode: z.enum(["erase", "schedule"]),
    purgeAfter: timestamp.nullable(),
    sessionsToRevoke: z.number().int().min(0).nullable(),
    tokensToRevoke: z.number().int().min(0).nullable(),
    removes: z.array(z.string().max(200)).max(10),
  })
  .meta({ id: "DeletionPlan", description: "What deleting the user would do, or what stops it. Changes nothing." });

const auditDetailValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const listedAuditEntry = z
  .object({
    seq: z.number().int().min(1),
    at: timestamp,
    actorType: z.enum(["user", "token", "anonymous", "cli", "system"]),
    actorId: z.string().max(200).nullable(),
    action: z.string().max(100),
    targetId: z.string().max(200).nullable(),
    outcome: z.enum(auditOutcomes),
    reason: z.string().max(1000).nullable(),
    requestId: z.string().max(100).nullable(),
    ip: z.string().max(64).nullable(),
    details: z.record(z.string().max(100), auditDetailValue),
    noteMac: z.string().max(128).optional(),
    prevHash: z.string().max(128),
    hash: z.string().max(128),
  })
  .meta({ id: "AuditEntry", description: "One entry of the hash-chained audit log." });

export const auditLogPayload = z.object({
  entries: z.array(listedAuditEntry).max(200),
  nextBefore: z.number().int().min(1).nullable().describe("Pass as `before` for the next page; null at the start."),
});

const auditBreakKind = z.enum([
  "missing-entries",
  "broken-link",
  "altered",
  "note-altered",
  "truncated",
  "unrecorded-entries",
  "head-mismatch",
  "head-altered",
  "head-missing",
]);

const auditBreak = z.object({ seq: z.number().int().min(0), kind: auditBreakKind, problem: z.string().max(500) });

export const auditVerificationPayload = z
  .discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), entries: z.number().int().min(0), headHash: z.string().max(128) }),
    z.object({
      ok: z.literal(false),
      entries: z.number().int().min(0),
      brokenAt: z.number().int().min(0),
      kind: auditBreakKind,
      problem: z.string().max(500),
      broken: z.array(auditBreak).max(100).readonly(),
      brokenCount: z.number().int().min(1),
    }),
  ])
  .meta({ id: "AuditVerification", description: "The verdict of a walk along the whole audit chain." });

const apiTokenView = z
  .object({
    id: z.string().max(64).describe("The token's id: names it in listings, the audit log and DELETE /api/tokens/{id}."),
    ownerId: uuid,
    name: z.string().max(100),
    scopes: z.array(z.enum(tokenScopes)).max(tokenScopes.length).readonly(),
    createdAt: timestamp,
    expiresAt: timestamp,
    lastUsedAt: timestamp.nullable().describe("Written at most once a minute."),
    expired: z.boolean(),
  })
  .meta({ id: "ApiToken", description: "An API token as listed: never its secret." });

export const recoveryLinkPayload = z
  .object({
    userId: uuid,
    url: z
      .string()
      .max(2100)
      .describe("The recovery page for the user, shown this once: `PUBLIC_URL/recover/ghr_<id>_<secret>`."),
    expiresAt: timestamp,
  })
  .meta({ id: "RecoveryLink", description: "A single-use account recovery link; only its hash is kept." });

export const createdTokenPayload = z
  .object({
    token: z
      .string()
      .max(100)
      .describe("The secret, shown this once: `gatehouse_<id>_<secret>`. Only its hash is kept."),
    apiToken: apiTokenView,
  })
  .meta({ id: "CreatedApiToken", description: "A new API token, with its secret shown once." });

export const tokenListPayload = z.object({ tokens: z.array(apiTokenView).max(10_000) });

export const revokedTokenPayload = z.object({ revoked: apiTokenView });

export const introspectionPayload = z
  .union([
    z.object({
      active: z.literal(true),
      sub: uuid.describe("The user's id."),
      email: z.string().max(320),
      role: z.enum(roles),
      sid: z.string().max(64).describe("The session's id."),
      exp: z
        .number()
        .int()
        .min(0)
        .describe("When the session ends at the latest (absolute or idle), in epoch seconds."),
      iat: z.number().int().min(0).describe("When the session began, in epoch seconds."),
    }),
    z.object({ active: z.literal(false) }),
  ])
  .meta({ id: "Introspection", description: "RFC 7662's answer: inactive says nothing more, whatever the reason." });

const eventActor = z.object({
  type: z.enum(["user", "token", "cli", "system", "anonymous"]),
  id: z.string().max(64).nullable().describe("The user who acted (a token's owner); null for the CLI and the server."),
  token_id: z.string().max(64).optional().describe("The API token the owner acted through."),
});

export const eventPayload = z
  .object({
    type: z.enum(eventTypes),
    id: z.string().max(64).describe("`evt_…`: unique, the receiver's idempotency key."),
    timestamp: timestamp,
    data: z.object({
      user_id: uuid,
      actor: eventActor,
      reason: z.enum(["deletion", "disabled", "role_change", "admin", "password_change", "user"]).optional(),
      sessions_revoked: z.number().int().min(0).optional(),
      tokens_revoked: z.number().int().min(0).optional(),
      changed: z
        .array(z.enum(["name", "role", "status"]))
        .max(3)
        .readonly()
        .optional(),
      audit_seq: z.number().int().min(1).describe("The act's entry in the audit log."),
      audit_hash: z.string().max(128).describe("That entry's hash: an outside copy of the chain's head."),
    }),
  })
  .meta({
    id: "Event",
    description: "Something that happened to a user. Ids only: never an e-mail address or a name.",
  });

export const eventPagePayload = z.object({
  events: z.array(eventPayload).max(500).readonly(),
  nextCursor: z.string().max(32).describe("Pass as `after` for the next page (also when this one is empty)."),
  hasMore: z.boolean().describe("More events follow already."),
});

export const healthPayload = z.object({ status: z.literal("ok") });

/** An answer with no body (204). */
export const noContent = z.null().describe("No content.");
