import { createHmac } from "node:crypto";

/**
 * @module
 * An id taken from a request is text its sender chose: an admin who looks a user up by e-mail in the URL,
 * or anyone probing. The audit log keeps such an id only when it names a user; otherwise it keeps this
 * pseudonym instead: repeated probes of one id still correlate, and nothing of the text is stored. Keyed
 * (a key derived from the server secret), so a guess cannot be checked against it without the secret.
 */
export type AuditPseudonymizer = (id: string) => string;

export const pseudonymPrefix = "unknown:";

export function createAuditPseudonymizer(key: Buffer): AuditPseudonymizer {
  return (id) => `${pseudonymPrefix}${createHmac("sha256", key).update(id).digest("hex").slice(0, 16)}`;
}
