import type { Actor } from "../actor.ts";
import type { Random } from "../ports.ts";
import { hashSecret } from "../sessions/session-token.ts";

/**
 * @module
 * Account recovery links (docs/recovery.md): `ghr_<id>_<secret>`, shaped like an API token so that secret
 * scanners can find a leaked one by its prefix. The id (128 bits) finds the row; the secret (256 bits,
 * CSPRNG) proves possession, stored only as its SHA-256 and compared in constant time (session-token.ts).
 * A link is single-use, short-lived, one per user (a new one replaces the last), and dies with its user's
 * access: deletion, disabling, a scheduled erasure and the erasure itself delete it in their transaction.
 * Who issues one is an actor (an admin, the CLI, later the system for a "forgot password" e-mail); the
 * redemption is the same for all of them.
 */
export const recoveryLinkPrefix = "ghr_";
const idBytes = 16;
const secretBytes = 32;
/** 22 and 43 base64url characters: fixed lengths, so the `_` inside base64url never makes a link ambiguous. */
const linkShape = /^ghr_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;
const linkLength = recoveryLinkPrefix.length + 22 + 1 + 43;

/**
 * Thirty minutes: long enough to pass a link on by chat or phone and use it, short enough that one found
 * later in a message history or a browser's history is dead (OWASP Forgot Password Cheat Sheet).
 */
export const recoveryLinkLifetimeMs = 30 * 60_000;

/** Who issued a link: the kind of actor and, for a person, their id (never an address). */
export type RecoveryIssuer = { readonly type: "user"; readonly id: string } | { readonly type: "cli" | "system" };

/** A link as stored: never its secret. */
export interface RecoveryLinkRecord {
  readonly id: string;
  readonly userId: string;
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly issuedBy: RecoveryIssuer;
}

export interface IssuedRecoveryLink {
  readonly record: RecoveryLinkRecord;
  /** The link's text, shown once to whoever issued it; never stored. */
  readonly link: string;
}

export function issuerOf(actor: Actor): RecoveryIssuer | null {
  if (actor.type === "user") return { type: "user", id: actor.user.id };
  if (actor.type === "cli" || actor.type === "system") return { type: actor.type };
  return null;
}

export function newRecoveryLink(
  random: Random,
  userId: string,
  issuedBy: RecoveryIssuer,
  now: number,
): IssuedRecoveryLink {
  const id = random.bytes(idBytes).toString("base64url");
  const secret = random.bytes(secretBytes).toString("base64url");
  return {
    link: `${recoveryLinkPrefix}${id}_${secret}`,
    record: {
      id,
      userId,
      secretHash: hashSecret(secret),
      createdAt: now,
      expiresAt: now + recoveryLinkLifetimeMs,
      issuedBy,
    },
  };
}

export interface PresentedRecoveryLink {
  readonly id: string;
  readonly secret: string;
}

/** Null for anything that is not exactly a link this server could have issued (checked before any lookup). */
export function parseRecoveryLink(text: string): PresentedRecoveryLink | null {
  if (text.length !== linkLength) return null;
  const match = linkShape.exec(text);
  if (match === null) return null;
  return { id: match[1] as string, secret: match[2] as string };
}

export function isRecoveryLinkExpired(link: Pick<RecoveryLinkRecord, "expiresAt">, now: number): boolean {
  return now >= link.expiresAt;
}

/** The page a link opens: PUBLIC_URL's origin and path, then `/recover/<link>`. */
export function recoveryUrl(publicUrl: URL, link: string): string {
  const base = publicUrl.pathname.replace(/\/+$/, "");
  return `${publicUrl.origin}${base}/recover/${link}`;
}
