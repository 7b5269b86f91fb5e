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
