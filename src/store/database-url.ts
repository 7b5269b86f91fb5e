import type { DatabaseLocation } from "./open-store.ts";

/**
 * @module
 * What DATABASE_URL may say, read strictly: a mistyped URL must stop the program, not open an empty SQLite
 * database in a folder named after the typo (which looks exactly like every user being gone). Accepted: a
 * bare path (or `:memory:`), a `file:` or `sqlite:` URL, and a `postgres://` or `postgresql://` URL; the
 * scheme in any case. Anything else that starts with a scheme is refused, with a sentence saying why.
 */
const schemePattern = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** A Windows drive letter (C:\data\gatehouse.sqlite) is a path, not a one-letter scheme. */
const drivePattern = /^[A-Za-z]:[\\/]/;

export type ParsedDatabaseUrl =
  | { readonly ok: true; readonly location: DatabaseLocation }
  | { readonly ok: false; readonly problem: string };

export function parseDatabaseUrl(text: string): ParsedDatabaseUrl {
  const scheme = drivePattern.test(text) ? undefined : schemePattern.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return sqlitePath(text);
  if (scheme === "postgres" || scheme === "postgresql") {
    const rest = text.slice(scheme.length + 1);
    if (!rest.startsWith("//") || rest.length === 2) {
      return { ok: false, problem: `a ${scheme} URL is ${scheme}://[user[:password]@]host[:port]/database` };
    }
    // The scheme as pg expects it (it does not fold case); the rest exactly as given.
    return { ok: true, location: { kind: "postgres", url: `${scheme}:${rest}` } };
  }
  if (scheme === "sqlite" || scheme === "file") {
    const rest = text.slice(scheme.length + 1);
    return sqlitePath(rest.startsWith("//") ? rest.slice(2) : rest);
  }
  return {
    ok: false,
    problem: `"${scheme}:" is not a database Gatehouse can use: give a SQLite file path (or a file: or sqlite: URL) or a postgres:// or postgresql:// URL`,
  };
}

function sqlitePath(path: string): ParsedDatabaseUrl {
  if (path.trim() === "") return { ok: false, problem: "the SQLite path is empty" };
  return { ok: true, location: { kind: "sqlite", path } };
}
