import { hash, timingSafeEqual } from "node:crypto";
import type { Random } from "../ports.ts";

/**
 * @module
 * Session tokens are `<id>.<secret>`: the id (128 bits) finds the row, the secret (256 bits, CSPRNG) proves
 * possession. Only SHA-256(secret) is stored, so a leaked database holds no usable token, and the
 * comparison is constant-time so the hash cannot be learned byte by byte.
 */
const idBytes = 16;
const secretBytes = 32;
const tokenShape = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  readonly sessionId: string;
  readonly token: string;
  readonly secretHash: string;
}

export function issueSessionToken(random: Random): IssuedToken {
  const sessionId = random.bytes(idBytes).toString("base64url");
  const secret = random.bytes(secretBytes).toString("base64url");
  return { sessionId, token: `${sessionId}.${secret}`, secretHash: hashSecret(secret) };
}

export interface ParsedToken {
  readonly sessionId: string;
  readonly secret: string;
}

/** Null for anything that is not exactly a token this server could have issued. */
export function parseSessionToken(token: string | undefined): ParsedToken | null {
  if (token === undefined || token.length !== 66) return null;
  const match = tokenShape.exec(token);
  if (match === null) return null;
  return { sessionId: match[1] as string, secret: match[2] as string };
}

// crypto.hash is the one-shot form (Node 20.12+): no Hash object per call, half the cost of createHash on
// the session check's path.
export function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}

export function secretMatches(secret: string, storedHash: string): boolean {
  // Anything but 64 hex digits matches nothing: a longer value fails here, a non-hex digit stops the
  // decoding short of 32 bytes.
  if (storedHash.length !== 64) return false;
  const expected = Buffer.from(storedHash, "hex");
  const actual = hash("sha256", secret, "buffer");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
