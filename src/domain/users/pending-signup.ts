import type { Random } from "../ports.ts";
import { hashSecret } from "../sessions/session-token.ts";

/**
 * @module
 * A sign-up waiting for its e-mailed link (docs/recovery.md, "Sign-up with e-mail verification"): with mail
 * configured, no account exists until the address's owner uses the link. The link is `ghs_<id>_<secret>`,
 * shaped like a recovery link (`ghr_`): the id (128 bits) finds the row, the secret (256 bits) proves the
 * mail was read, stored only as its SHA-256 and compared in constant time. One pending sign-up per address
 * key: a new one replaces the last. The password was hashed when the sign-up was asked for (so a taken and
 * a new address cost the same work), and only the hash waits here.
 */
export const signupLinkPrefix = "ghs_";
const linkShape = /^ghs_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;
const linkLength = signupLinkPrefix.length + 22 + 1 + 43;

/** One hour: enough to open the mail and click; a link found later in a mailbox is dead. */
export const signupLinkLifetimeMs = 60 * 60_000;

export interface PendingSignupRecord {
  readonly id: string;
  /** The address's key (domain/users/email.ts), which the account will have. */
  readonly emailKey: string;
  /** The address as the account will show it (the key, as createAccount stores it). */
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export function newPendingSignup(
  random: Random,
  fields: Pick<PendingSignupRecord, "emailKey" | "email" | "name" | "passwordHash">,
  now: number,
): { record: PendingSignupRecord; link: string } {
  const id = random.bytes(16).toString("base64url");
  const secret = random.bytes(32).toString("base64url");
  return {
    link: `${signupLinkPrefix}${id}_${secret}`,
    record: { ...fields, id, secretHash: hashSecret(secret), createdAt: now, expiresAt: now + signupLinkLifetimeMs },
  };
}

/** Null for anything that is not exactly a link this server could have issued (checked before any lookup). */
export function parseSignupLink(text: string): { id: string; secret: string } | null {
  if (text.length !== linkLength) return null;
  const match = linkShape.exec(text);
  return match === null ? null : { id: match[1] as string, secret: match[2] as string };
}

/** A page's absolute URL under PUBLIC_URL (its origin and path, then `path`). */
export function publicPageUrl(publicUrl: URL, path: string): string {
  return `${publicUrl.origin}${publicUrl.pathname.replace(/\/+$/, "")}${path}`;
}

/** The page a link opens: `/signup/verify/<link>` under PUBLIC_URL. */
export function signupVerifyUrl(publicUrl: URL, link: string): string {
  return publicPageUrl(publicUrl, `/signup/verify/${link}`);
}
