import type { FastifyRequest } from "fastify";
import { GatehouseError } from "./gatehouse-error.ts";

/**
 * @module
 * Text that is not plain, well-formed Unicode is refused in every parameter, query value and body string
 * (and key), before any handler, guard or audit record sees it:
 * - U+0000: PostgreSQL cannot store it (a query carrying it fails), SQLite's LIKE stops reading at it;
 * - a lone UTF-16 surrogate (`"\ud800"` in JSON): SQLite stores it as the bytes ED A0 BD and PostgreSQL as
 *   U+FFFD, so what is stored differs from what was checked, echoed or sealed into the audit chain.
 * No legitimate e-mail, name, reason or id contains either. Refusing them at the edge keeps both engines'
 * answers a clean 400 instead of a fault or a silent change. The URL's parts are checked as the request
 * arrives (an administrative refusal is audited before the body is even read); the body once parsed.
 */
export function rejectMalformedUrlText(request: FastifyRequest): void {
  if (isMalformed(request.params) || isMalformed(request.query)) refuse();
}

export function rejectMalformedBodyText(request: FastifyRequest): void {
  if (isMalformed(request.body)) refuse();
}

function refuse(): never {
  throw new GatehouseError("VALIDATION_FAILED", "Text may not contain NUL characters or unpaired surrogates.");
}

function isMalformed(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return !isPlainText(value);
  if (typeof value !== "object" || value === null || depth > 32) return false;
  for (const [key, item] of Object.entries(value)) {
    if (!isPlainText(key) || isMalformed(item, depth + 1)) return true;
  }
  return false;
}

function isPlainText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}
