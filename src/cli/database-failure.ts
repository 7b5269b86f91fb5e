import type { DatabaseLocation } from "../store/open-store.ts";

/**
 * @module
 * A database that cannot be opened, said in one line an operator can act on: where DATABASE_URL points
 * (host, port and database; never the user or the password) and why, without a stack trace.
 */
export function databaseWhere(location: DatabaseLocation): string {
  if (location.kind === "sqlite") return `the SQLite file ${location.path}`;
  const url = new URL(location.url);
  return `the PostgreSQL server at ${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}

export function databaseFailureLine(location: DatabaseLocation, error: unknown): string {
  return `Cannot open ${databaseWhere(location)} (DATABASE_URL): ${redacted(location, reasonOf(error))}.`;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The store's own wrapper ("Could not open the postgres database") says less than what it wraps.
  if (error.cause !== undefined && error.message.startsWith("Could not open the ")) return reasonOf(error.cause);
  // Node's network errors: an AggregateError (one per address tried) whose own message may be empty.
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  const first = (error.message.split("\n")[0] ?? "").trim();
  if (first !== "") return first.replace(/\.$/, "");
  if (error instanceof AggregateError && error.errors[0] instanceof Error) return reasonOf(error.errors[0]);
  return code ?? error.name;
}

/** A driver's message never should, but must not be able to, carry the URL's password to the screen. */
function redacted(location: DatabaseLocation, text: string): string {
  if (location.kind !== "postgres") return text;
  const password = decodeURIComponent(new URL(location.url).password);
  return password === "" ? text : text.split(password).join("***");
}
