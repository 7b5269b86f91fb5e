/**
 * @module
 * The people an audit entry names, in people's terms: an account as its e-mail address (a link to its page),
 * an erased person as "erased user" with a short id (the log holds ids only, so no old address can show),
 * the operator's command line and Gatehouse itself by name.
 */
import type { AuditActorType, AuditEntry } from "../../domain/audit/audit-chain.ts";
import { isPseudonym } from "../../domain/audit/audit-log.ts";
import { html, type SafeHtml } from "../html.ts";

/** Enough of a UUID to tell two erased people apart in one page, and to search the log for (by its full id). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Who a person was, as plain words (the CSV export's cell, the JSON export's `name`). */
export function personText(id: string | null, people: ReadonlyMap<string, string>): string {
  if (id === null) return "";
  if (isPseudonym(id)) return "no such user";
  return people.get(id) ?? `erased user ${shortId(id)}`;
}

export function personCell(base: string, id: string | null, people: ReadonlyMap<string, string>): SafeHtml {
  if (id === null) return html``;
  if (isPseudonym(id)) return html`<span class="muted">no such user</span>`;
  const email = people.get(id);
  if (email === undefined) {
    return html`<span class="erased">erased user <span class="mono" title="${id}">${shortId(id)}</span></span>`;
  }
  return html`<a href="${base}/admin/users/${id}">${email}</a>`;
}

const actorNames: Readonly<Record<Exclude<AuditActorType, "user" | "token">, string>> = {
  cli: "Command line (operator)",
  system: "Gatehouse (system)",
  anonymous: "Someone not signed in",
};

export function actorText(entry: AuditEntry, people: ReadonlyMap<string, string>): string {
  if (entry.actorType === "user") return personText(entry.actorId, people);
  if (entry.actorType === "token") return `${personText(entry.actorId, people)} with an API token`;
  return actorNames[entry.actorType];
}

export function actorCell(base: string, entry: AuditEntry, people: ReadonlyMap<string, string>): SafeHtml {
  if (entry.actorType === "user") return personCell(base, entry.actorId, people);
  if (entry.actorType === "token") return html`${personCell(base, entry.actorId, people)} with an API token`;
  return html`${actorNames[entry.actorType]}`;
}
