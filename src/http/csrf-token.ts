import { createHmac } from "node:crypto";

/**
 * The anti-forgery token is bound to the session: an HMAC of the session id under a key derived from the
 * server secret. It changes whenever the session does (login, password change), a token from one session
 * is worthless in another, and nothing needs storing. Returned to the client in JSON, never in a cookie.
 */
export function csrfTokenFor(key: Buffer, sessionId: string): string {
  return createHmac("sha256", key).update(`csrf:${sessionId}`).digest("base64url");
}
