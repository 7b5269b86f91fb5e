import type { AdminAction } from "../admin/authz.ts";
import type { Random } from "../ports.ts";
import { unreadableCharacter } from "../readable-text.ts";
import { hashSecret } from "../sessions/session-token.ts";

/**
 * @module
 * API tokens: machine credentials for services. A token is `gatehouse_<id>_<secret>`: the prefix lets
 * secret scanners find a leaked one (docs/tokens.md gives the pattern), the id (128 bits) finds its row and
 * names it in listings and the audit log, the secret (256 bits, CSPRNG) proves possession. Only SHA-256 of
 * the secret is stored and it is compared in constant time, exactly as for sessions (session-token.ts).
 * A token acts for its owner with the intersection of its scopes and the owner's permissions as they are
 * at each request (tokenGrant), never more than either.
 */
export const tokenPrefix = "gatehouse_";
const idBytes = 16;
const secretBytes = 32;
/** 22 and 43 base64url characters: fixed lengths, so the `_` inside base64url never makes a token ambiguous. */
const tokenShape = /^gatehouse_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;
const tokenLength = tokenPrefix.length + 22 + 1 + 43;

/** The fixed, documented list of scopes (docs/tokens.md); nothing else is accepted. */
export const tokenScopes = [
  "users:read",
  "users:write",
  "sessions:introspect",
  "scim",
  "audit:read",
  "events:read",
] as const;
export type TokenScope = (typeof tokenScopes)[number];

/**
 * What each scope lets a token attempt (its owner's role must hold the same permission too). `scim` grants
 * the user acts only on the SCIM routes: the same token cannot drive the admin API.
 */
const scopePermissions: Readonly<Record<TokenScope, readonly AdminAction[]>> = {
  "users:read": ["users.list", "users.read", "users.sessions.read"],
  "users:write": ["users.create", "users.update", "users.delete", "users.restore", "users.sessions.revoke"],
  "sessions:introspect": ["sessions.introspect"],
  scim: [],
  "audit:read": ["audit.read"],
  "events:read": ["events.read"],
};

/** The user acts a `scim` token may attempt through /scim/v2 (and only there). */
const scimPermissions: readonly AdminAction[] = [
  "users.list",
  "users.read",
  "users.create",
  "users.update",
  "users.delete",
];

/** Where a token is used: the admin API, or the SCIM service provider. */
export type TokenChannel = "api" | "scim";

/**
 * A token's name: what its owner reads in listings to tell tokens apart, so it must read as what it is.
 * Control and format characters (bidi overrides, zero-width marks) could make one name look like another
 * or reorder the text around it; they are refused by every edge alike (API, pages, CLI).
 */
export const tokenNameMaxLength = 100;
const unreadableInName = unreadableCharacter;
const unreadableInNameEverywhere = new RegExp(unreadableInName.source, "gu");

/** A refused name as it may be shown back to its sender to correct: without the characters it may not hold. */
export function readableTokenName(name: string): string {
  return name.replace(unreadableInNameEverywhere, "");
}

/** Null for a name a token may carry (after trimming), else why not. */
export function tokenNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return "A token needs a name.";
  if (trimmed.length > tokenNameMaxLength) return `A token's name is at most ${tokenNameMaxLength} characters.`;
  if (unreadableInName.test(trimmed))
    return "A token's name may not contain control or invisible formatting characters.";
  return null;
}

/** The lifetimes of a token, in days: what a creation may ask for (docs/tokens.md). */
export const tokenLifetimeDays = { default: 90, max: 365 } as const;

/** A token as stored: never its secret. */
export interface ApiTokenRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastUsedAt: number | null;
}

/** What a token lets this request attempt, carried by the actor (domain/actor.ts). */
export interface TokenGrant {
  readonly id: string;
  readonly scopes: readonly TokenScope[];
  readonly permissions: ReadonlySet<AdminAction>;
}

/**
 * Each channel is served by its own scopes: on the admin API every scope but `scim`, on SCIM only `scim`, so
 * a `users:write` token cannot drive SCIM any more than a `scim` token can drive the admin API.
 */
export function tokenGrant(token: Pick<ApiTokenRecord, "id" | "scopes">, channel: TokenChannel): TokenGrant {
  const permissions = new Set<AdminAction>();
  if (channel === "scim") {
    if (token.scopes.includes("scim")) for (const action of scimPermissions) permissions.add(action);
  } else {
    for (const scope of token.scopes) for (const action of scopePermissions[scope]) permissions.add(action);
  }
  return { id: token.id, scopes: token.scopes, permissions };
}

export function isTokenScope(value: string): value is TokenScope {
  return (tokenScopes as readonly string[]).includes(value);
}

/** The permissions a scope needs its owner's role to hold, for the check at creation. */
export function permissionsOfScope(scope: TokenScope): readonly AdminAction[] {
  return scope === "scim" ? scimPermissions : scopePermissions[scope];
}

export interface IssuedApiToken {
  readonly id: string;
  /** Shown once, to its creator; never stored. */
  readonly token: string;
  readonly secretHash: string;
}

export function issueApiToken(random: Random): IssuedApiToken {
  const id = random.bytes(idBytes).toString("base64url");
  const secret = random.bytes(secretBytes).toString("base64url");
  return { id, token: `${tokenPrefix}${id}_${secret}`, secretHash: hashSecret(secret) };
}

export interface PresentedApiToken {
  readonly id: string;
  readonly secret: string;
}

/** Null for anything that is not exactly a token this server could have issued. */
export function parseApiToken(token: string): PresentedApiToken | null {
  if (token.length !== tokenLength) return null;
  const match = tokenShape.exec(token);
  if (match === null) return null;
  return { id: match[1] as string, secret: match[2] as string };
}

export function isTokenExpired(token: Pick<ApiTokenRecord, "expiresAt">, now: number): boolean {
  return now >= token.expiresAt;
}

/** Last use is written at most once a minute per token, outside any transaction (like a session's touch). */
export const tokenTouchIntervalMs = 60_000;

export function tokenNeedsTouch(token: Pick<ApiTokenRecord, "lastUsedAt">, now: number): boolean {
  return token.lastUsedAt === null || now - token.lastUsedAt >= tokenTouchIntervalMs;
}
