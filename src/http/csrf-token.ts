import { createHmac } from "node:crypto";

/**
 * @module
 * The anti-forgery token is bound to the session: an HMAC of the session id under a key derived from the
 * server secret. It changes whenever the session does (login, password change), a token from one session
 * is worthless in another, and nothing needs storing. Returned to the client in JSON, never in a cookie.
 * Tokens are remembered per key and session id in a bounded map, because the session check returns the
 * token on every call and an HMAC per request was a measurable share of it (docs/perf-history.md).
 */
const rememberedByKey = new WeakMap<Buffer, Map<string, string>>();
const rememberedLimit = 50_000;

export function csrfTokenFor(key: Buffer, sessionId: string): string {
  let remembered = rememberedByKey.get(key);
  if (remembered === undefined) {
    remembered = new Map();
    rememberedByKey.set(key, remembered);
  }
  const known = remembered.get(sessionId);
  if (known !== undefined) return known;
  const token = createHmac("sha256", key).update(`csrf:${sessionId}`).digest("base64url");
  if (remembered.size >= rememberedLimit) remembered.clear();
  remembered.set(sessionId, token);
  return token;
}
