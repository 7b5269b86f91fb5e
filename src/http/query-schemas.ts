/**
 * @module
 * What a URL carries, for the API and the pages alike: path parameters, and the queries both edges take.
 */
import { z } from "zod";
import { auditOutcomes } from "../domain/audit/audit-chain.ts";
import { roles } from "../domain/users/role.ts";
import { userStatuses } from "../domain/users/user.ts";

/** Any string names a user: a malformed id is simply one that does not exist (no format oracle). */
export const userParams = z.object({ id: z.string().min(1).max(200) });

/** An API token's id in a path (the API and the pages): 22 characters when it names one. */
export const tokenParams = z.object({ id: z.string().min(1).max(64) });

/** Likewise a session: one that is not the caller's is answered as one that does not exist. */
export const sessionParams = z.object({ sessionId: z.string().max(64) });

/**
 * A whole number in a query string, in plain decimal digits and within range; anything else is a 400.
 * `z.coerce.number()` reads whatever Number() does: "0x10" and "0b10000" are 16, "1e1" is 10, " 16",
 * "+16" and "16.0" are 16, and "" is 0. A client that sends those means something else, or is probing:
 * one spelling per number keeps what the server acts on equal to what the caller (and a log) shows.
 */
export function decimalInteger(min: number, max: number) {
  return z
    .string()
    .max(16)
    .regex(/^[0-9]+$/, "must be a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/**
 * A page cursor of the user list: the id of the last user of the previous page, a UUID as
 * crypto.randomUUID writes it (lowercase, hyphenated). Anything else, a percent-escape that is not UTF-8
 * included (the query parser hands those on undecoded, as "%FF"), was never given out by this server.
 */
export const userCursor = z
  .string()
  .max(36)
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "is not a cursor this server gave");

/** What narrows the user list, on the admin API and the admin page alike. */
export const userListFilters = {
  search: z.string().max(200).optional(),
  role: z.enum(roles).optional(),
  status: z.enum(userStatuses).optional(),
  after: userCursor.optional(),
};

/** What narrows the audit log, on the API and the admin page alike (paging by `before` is apart). */
export const auditLogFilters = {
  actorId: z.string().max(200).optional(),
  targetId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(auditOutcomes).optional(),
};
