import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { roles } from "../../domain/users/role.ts";
import { decimalInteger } from "../../http/query-schemas.ts";

/**
 * @module
 * The notice after an act on a user's page, saying what happened ("Role changed from user to admin; 3
 * sessions ended"). Post/Redirect/Get carries the act's outcome in the query: an enum, roles and counts,
 * each validated, and the sentence is composed here; nothing of the URL is shown as it was typed. The query is
 * signed (HMAC with a key derived from the server secret, bound to the user the page is about): a link made
 * by anyone else ("Role changed from user to superuser" on a page where nothing changed) shows no notice.
 */
export const userActOutcomes = ["role", "disabled", "enabled", "sessions", "session", "restored"] as const;
export type UserActOutcome = (typeof userActOutcomes)[number];

export const userNoticeFields = {
  done: z.enum(userActOutcomes).optional(),
  from: z.enum(roles).optional(),
  to: z.enum(roles).optional(),
  sessions: decimalInteger(0, 1_000_000).optional(),
  tokens: decimalInteger(0, 1_000_000).optional(),
  sig: z.string().max(64).optional(),
};

export interface UserNotice {
  readonly done?: UserActOutcome | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly sessions?: number | undefined;
  readonly tokens?: number | undefined;
}

export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "2 sessions and 1 API token ended", "no session ended". */
function ended(sessions: number, tokens: number): string {
  if (sessions === 0 && tokens === 0) return "no session was active";
  const parts = [sessions > 0 ? counted(sessions, "session") : "", tokens > 0 ? counted(tokens, "API token") : ""];
  return `${parts.filter((part) => part !== "").join(" and ")} ended`;
}

export function userNoticeText(notice: UserNotice): string | null {
  const sessions = notice.sessions ?? 0;
  const tokens = notice.tokens ?? 0;
  switch (notice.done) {
    case "role":
      if (notice.from === undefined || notice.to === undefined) return null;
      return `Role changed from ${notice.from} to ${notice.to}; ${ended(sessions, 0)}.`;
    case "disabled":
      return `Disabled: ${ended(sessions, tokens)}.`;
    case "enabled":
      return "Enabled: the user can sign in again.";
    case "sessions":
      return `${sessions === 0 ? "No session was active" : `Signed out everywhere: ${ended(sessions, 0)}`}.`;
    case "session":
      return "That session is ended: its device is signed out.";
    case "restored":
      return "Restored: the deletion is cancelled and the account is as it was.";
    default:
      return null;
  }
}

const outcomeKeys = ["done", "from", "to", "sessions", "tokens"] as const;

function outcomeQuery(notice: UserNotice): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of outcomeKeys) {
    const value = notice[key];
    if (value !== undefined) query.set(key, String(value));
  }
  return query;
}

function signature(key: Buffer, userId: string, query: URLSearchParams): Buffer {
  return createHmac("sha256", key).update(`user-notice\0${userId}\0${query.toString()}`).digest().subarray(0, 16);
}

/** The signed query that carries an outcome back to the user's page ("" when there is none). */
export function userNoticeQuery(notice: UserNotice, key: Buffer, userId: string): string {
  const query = outcomeQuery(notice);
  if (query.size === 0) return "";
  query.set("sig", signature(key, userId, query).toString("base64url"));
  return query.toString();
}

/** The outcome a page's query carries, if its signature is this server's for this user; otherwise none. */
export function verifiedNotice(given: UserNotice & { readonly sig?: string | undefined }, key: Buffer, userId: string) {
  if (given.sig === undefined) return {};
  const expected = signature(key, userId, outcomeQuery(given));
  const presented = Buffer.from(given.sig, "base64url");
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? given : {};
}
