import type { Actor, RequestMeta } from "../actor.ts";
import { lockParties, needsStepUp, runAdminAct } from "../admin/admin-act.ts";
import { checkTarget, permissionTable } from "../admin/authz.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { Role } from "../users/role.ts";
import {
  type ApiTokenRecord,
  issueApiToken,
  isTokenExpired,
  permissionsOfScope,
  type TokenScope,
  tokenLifetimeDays,
  tokenNameProblem,
  tokenScopes,
} from "./api-token.ts";

/**
 * @module
 * Creating, listing and revoking API tokens. A token always belongs to the person who created it (the CLI
 * operator names an owner) and never holds a scope its owner's role does not hold at creation; afterwards
 * every use re-reads the owner (authz.ts `permits`). Creation needs a fresh password proof; no token can
 * create, list or revoke tokens (no scope grants those acts).
 */
const dayMs = 86_400_000;

/** A token as listed: never its secret or hash. */
export interface TokenView {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  readonly expired: boolean;
}

export function toTokenView(token: ApiTokenRecord, now: number): TokenView {
  return {
    id: token.id,
    ownerId: token.ownerId,
    name: token.name,
    scopes: token.scopes,
    createdAt: new Date(token.createdAt).toISOString(),
    expiresAt: new Date(token.expiresAt).toISOString(),
    lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt).toISOString(),
    expired: isTokenExpired(token, now),
  };
}

export interface NewTokenInput {
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  /** Days until it expires: tokenLifetimeDays.default when absent, at most tokenLifetimeDays.max. */
  readonly expiresInDays?: number;
  /** The owner: the acting user themselves; only the CLI operator may name another account. */
  readonly ownerId: string;
}

function roleHoldsScope(role: Role, scope: TokenScope): boolean {
  const held = permissionTable[role];
  return permissionsOfScope(scope).every((action) => held.has(action));
}

/** The scopes a token of an owner with this role may be given (what the pages offer). */
export function scopesHeldBy(role: Role): TokenScope[] {
  return tokenScopes.filter((scope) => roleHoldsScope(role, scope));
}

/** A scope its owner's role lacks is refused, by name: a token never starts out promising more than it can do. */
function missingScope(role: Role, scopes: readonly TokenScope[]): TokenScope | null {
  return scopes.find((scope) => !roleHoldsScope(role, scope)) ?? null;
}

export async function createApiToken(
  deps: Deps,
  actor: Actor,
  input: NewTokenInput,
  meta: RequestMeta,
): Promise<Ok<{ token: string; view: TokenView }> | Refusal> {
  const action = "tokens.create";
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const deny = (refusal: Refusal) => recordDenial(deps, actor, meta, action, input.ownerId, refusal);
  if (actor.type === "user" && actor.user.id !== input.ownerId) {
    return deny(refuse("FORBIDDEN", "A token belongs to the person who creates it."));
  }
  // The API's schema says the same; the rules live here so the pages and the CLI cannot skip them.
  const nameProblem = tokenNameProblem(input.name);
  if (nameProblem !== null) return deny(refuse("VALIDATION_FAILED", nameProblem));
  if (input.scopes.length === 0) return deny(refuse("VALIDATION_FAILED", "A token needs at least one scope."));
  const days = input.expiresInDays ?? tokenLifetimeDays.default;
  if (!Number.isInteger(days) || days < 1 || days > tokenLifetimeDays.max) {
    return deny(
      refuse("VALIDATION_FAILED", `expiresInDays must be a whole number from 1 to ${tokenLifetimeDays.max}.`),
    );
  }
  if (needsStepUp(deps, actor)) return deny(refuse("REAUTH_REQUIRED"));
  const scopes = [...new Set(input.scopes)];
  return auditFailures(deps, actor, meta, action, input.ownerId, () =>
    deps.store.transaction(async (tx) => {
      const txDeny = (refusal: Refusal, id: string | null = input.ownerId) =>
        recordDenial(deps, actor, meta, action, id, refusal, tx);
      const parties = await lockParties(tx, actor, action, input.ownerId);
      if (!parties.ok) return txDeny(parties);
      const owner = parties.target;
      if (owner === null) return txDeny(refuse("USER_NOT_FOUND"));
      if (owner.status !== "active") return txDeny(refuse("FORBIDDEN", "The owner's account is not active."));
      const lacking = missingScope(owner.role, scopes);
      if (lacking !== null) {
        return txDeny(refuse("FORBIDDEN", `The owner's role (${owner.role}) does not hold the scope ${lacking}.`));
      }
      const now = deps.clock.now();
      const issued = issueApiToken(deps.random);
      const record: ApiTokenRecord = {
        id: issued.id,
        ownerId: owner.id,
        name: input.name.trim(),
        scopes,
        secretHash: issued.secretHash,
        createdAt: now,
        expiresAt: now + days * dayMs,
        lastUsedAt: null,
      };
      await tx.insertApiToken(record);
      // The name is the creator's own text: it stays in api_tokens (gone with the owner), not in the chain.
      await tx.appendAudit(
        auditEntry(actor, meta, now, {
          action,
          outcome: "success",
          targetId: owner.id,
          details: {
            tokenId: record.id,
            scopes: scopes.join(" "),
            expiresAt: new Date(record.expiresAt).toISOString(),
          },
        }),
      );
      return { ok: true, token: issued.token, view: toTokenView(record, now) };
    }),
  );
}

/** The tokens of a user: one's own, or those of someone ranked below (a superuser: anyone's). */
export async function listApiTokens(
  deps: Deps,
  actor: Actor,
  ownerId: string,
  meta: RequestMeta,
): Promise<Ok<{ tokens: TokenView[] }> | Refusal> {
  const action = "tokens.read";
  const denied = await refusedPermission(deps, actor, meta, action, ownerId);
  if (denied !== null) return denied;
  const owner = await deps.store.getUserById(ownerId);
  if (owner === null) return recordDenial(deps, actor, meta, action, ownerId, refuse("USER_NOT_FOUND"));
  const refusal = checkTarget(actor, action, { target: owner, activeSuperusers: 0 }, { removesAccess: false });
  if (refusal !== null) return recordDenial(deps, actor, meta, action, owner.id, refusal);
  const now = deps.clock.now();
  return { ok: true, tokens: (await deps.store.listUserApiTokens(owner.id)).map((t) => toTokenView(t, now)) };
}

/**
 * One token, for the pages' revocation prompt: one's own, or one of a user ranked below (as listApiTokens).
 * A token that does not exist and one the actor may not see differ only after the permission check, as
 * everywhere: a permitted actor learns that an id names no token, which it could learn by revoking it.
 */
export async function getApiToken(
  deps: Deps,
  actor: Actor,
  tokenId: string,
  meta: RequestMeta,
): Promise<Ok<{ token: TokenView }> | Refusal> {
  const action = "tokens.read";
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const found = await deps.store.getApiTokenAndUser(tokenId);
  if (found === null) return recordDenial(deps, actor, meta, action, null, refuse("TOKEN_NOT_FOUND"));
  const owner = await deps.store.getUserById(found.user.id);
  if (owner === null) return recordDenial(deps, actor, meta, action, null, refuse("TOKEN_NOT_FOUND"));
  const refusal = checkTarget(actor, action, { target: owner, activeSuperusers: 0 }, { removesAccess: false });
  if (refusal !== null) return recordDenial(deps, actor, meta, action, owner.id, refusal);
  return { ok: true, token: toTokenView(found.token, deps.clock.now()) };
}

/**
 * Revokes one token: its owner, or an actor who may act on the owner (ranked above; the CLI). The token's
 * row is deleted, so the very next request with it is refused like an unknown token.
 */
export async function revokeApiToken(
  deps: Deps,
  actor: Actor,
  tokenId: string,
  meta: RequestMeta,
): Promise<Ok<{ revoked: TokenView }> | Refusal> {
  const action = "tokens.revoke";
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const found = await deps.store.getApiTokenAndUser(tokenId);
  if (found === null) return recordDenial(deps, actor, meta, action, null, refuse("TOKEN_NOT_FOUND"));
  const act = { action, targetId: found.user.id, change: () => ({ removesAccess: false }) } as const;
  return runAdminAct(deps, actor, meta, act, async ({ tx, target, deny, succeeded }) => {
    if (!(await tx.deleteUserApiToken(target.id, tokenId))) return deny(refuse("TOKEN_NOT_FOUND"));
    const now = deps.clock.now();
    await succeeded(now, { details: { tokenId } });
    return { ok: true, revoked: toTokenView(found.token, now) };
  });
}
