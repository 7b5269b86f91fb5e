/**
 * E-mail addresses are unique case-insensitively: the normalized form (trimmed, Unicode NFC, lower-cased)
 * is the key, while the address is kept as typed for display. Local parts are not otherwise rewritten
 * (no dot or plus folding): that is provider-specific and would merge distinct mailboxes.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

const shape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

export function isPlausibleEmail(email: string): boolean {
  const trimmed = email.trim();
  return trimmed.length <= 254 && shape.test(trimmed);
}

/**
 * The form user search compares: Unicode-aware lower case in JavaScript, because SQLite's lower() and LIKE,
 * and PostgreSQL's under the C locale, fold ASCII only ("Émile" would not match "émile").
 */
export function searchKey(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/**
 * Whether free text names the address, in any letter case: what an erasure looks for in audit notes. The
 * store matches the same way in SQL, on the note's searchKey (store/audit-record.ts).
 */
export function mentionsEmail(text: string, normalizedEmail: string): boolean {
  return searchKey(text).includes(normalizedEmail);
}
