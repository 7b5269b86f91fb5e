import { type Refusal, refuse } from "../errors.ts";

/**
 * @module
 * NIST SP 800-63B-4 §3.1.1.2 / ASVS 6.2: at least 8 characters (15 recommended for single-factor),
 * at least 64 accepted, no composition rules, no truncation, no case folding: the password is hashed
 * exactly as typed. The upper bound only keeps hashing cost bounded against denial of service.
 */
export const passwordMinLength = 8;
export const passwordMaxLength = 1024;

/**
 * Passwords known to head every breach corpus (800-63B-4 requires a blocklist). A short list keeps the
 * most-guessed values out without shipping a corpus; deployments with a breach API can add their own check.
 */
const commonPasswords = new Set([
  "password",
  "password1",
  "password12",
  "password123",
  "password1234",
  "passw0rd",
  "p@ssw0rd",
  "12345678",
  "123456789",
  "1234567890",
  "0123456789",
  "87654321",
  "11111111",
  "00000000",
  "qwertyuiop",
  "qwerty123",
  "qwerty12",
  "1q2w3e4r",
  "1qaz2wsx",
  "zaq12wsx",
  "iloveyou",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "whatever",
  "trustno1",
  "superman",
  "starwars",
  "letmein1",
  "welcome1",
  "welcome123",
  "admin123",
  "administrator",
  "abc12345",
  "abcd1234",
  "aa123456",
  "asdfghjk",
  "asdfasdf",
  "changeme",
  "computer",
  "internet",
  "gatehouse",
  "gatehouse1",
]);

export function checkPassword(password: string): Refusal | null {
  const length = [...password].length;
  if (length < passwordMinLength) {
    return refuse("VALIDATION_FAILED", `The password needs at least ${passwordMinLength} characters.`);
  }
  if (length > passwordMaxLength) {
    return refuse("VALIDATION_FAILED", `The password may have at most ${passwordMaxLength} characters.`);
  }
  if (commonPasswords.has(password.toLowerCase())) {
    return refuse("VALIDATION_FAILED", "This password is too common; choose another.");
  }
  return null;
}
