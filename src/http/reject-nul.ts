import type { FastifyRequest } from "fastify";
import { GatehouseError } from "../domain/errors.ts";

/**
 * U+0000 is refused in every parameter, query value and body string: PostgreSQL cannot store it (a query
 * carrying it fails), SQLite's LIKE stops reading at it, and no legitimate e-mail, name or id contains it.
 * Refusing it at the edge keeps both engines' answers a clean 400 instead of a fault.
 */
export function rejectNulCharacters(request: FastifyRequest): void {
  if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) {
    throw new GatehouseError("VALIDATION_FAILED", "Text may not contain NUL characters.");
  }
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (typeof value !== "object" || value === null || depth > 32) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes("\u0000") || containsNul(item, depth + 1)) return true;
  }
  return false;
}
