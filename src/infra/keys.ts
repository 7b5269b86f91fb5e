import { hkdfSync } from "node:crypto";

/** One secret, separate keys per purpose (HKDF-SHA256), so a key can never be replayed across uses. */
export function deriveKey(secret: Buffer, purpose: "csrf" | "audit" | "audit-pseudonym"): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `gatehouse:${purpose}`, 32));
}
