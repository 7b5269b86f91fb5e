import type { UserListing, UserPage, UserPageQuery, UserSortKey } from "../domain/ports.ts";
import { searchKey } from "../domain/users/email.ts";
import { toUser, type UserRow, userColumns } from "./rows.ts";
import type { SqlExecutor, SqlParam } from "./sql-engine.ts";

/**
 * @module
 * The admin users list by keyset: every order is (key, id), so it is total and a page boundary is one row's
 * place in it, whatever was inserted or deleted since. One SQL text for both engines: row-value comparisons
 * `(a, b) > (?, ?)` are in SQLite (3.15+) and PostgreSQL alike, and use the column's own collation, the same
 * as the ORDER BY, so the boundary and the order always agree.
 */

/** The sort key's expression; a user who never signed in sorts as the oldest sign-in. */
const sortExpressions: Readonly<Record<UserSortKey, string>> = {
  created: "created_at",
  email: "email_normalized",
  lastLogin: "COALESCE(last_login_at, 0)",
};

function filterClauses(query: UserPageQuery): { where: string[]; params: SqlParam[] } {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (query.search !== undefined && query.search !== "") {
    where.push("search_text LIKE ? ESCAPE '\\'");
    params.push(`%${searchKey(query.search).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (query.role !== undefined) {
    where.push("role = ?");
    params.push(query.role);
  }
  if (query.state === "active") where.push("status = 'active'");
  if (query.state === "disabled") where.push("status = 'disabled' AND purge_after IS NULL");
  if (query.state === "pending") where.push("purge_after IS NOT NULL");
  return { where, params };
}

const whereOf = (clauses: readonly string[]) => (clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`);

type ListingRow = UserRow & { last_login_at: number | string | null; sort_key: SqlParam };

export async function pageUsers(db: SqlExecutor, query: UserPageQuery): Promise<UserPage | null> {
  const key = sortExpressions[query.sort];
  const filters = filterClauses(query);
  const countRow = await db.get<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM users ${whereOf(filters.where)}`,
    filters.params,
  );
  const total = Number(countRow?.n ?? 0);
  // "Earlier" and "later" in display order: with a descending sort, later rows have smaller keys.
  const later = query.descending ? "<" : ">";
  const earlier = query.descending ? ">" : "<";
  const ascending = query.descending ? "DESC" : "ASC";
  const reversed = query.descending ? "ASC" : "DESC";
  let anchor: { k: SqlParam; id: string } | undefined;
  if (query.from !== undefined) {
    anchor = await db.get<{ k: SqlParam; id: string }>(`SELECT ${key} AS k, id FROM users WHERE id = ?`, [
      query.from.id,
    ]);
    if (anchor === undefined) return null;
  }
  const backward = query.from?.direction === "before";
  const clauses = [...filters.where];
  const params = [...filters.params];
  if (anchor !== undefined) {
    clauses.push(`(${key}, id) ${backward ? earlier : later} (?, ?)`);
    params.push(anchor.k, anchor.id);
  }
  const direction = backward ? reversed : ascending;
  const rows = await db.all<ListingRow>(
    `SELECT ${userColumns}, last_login_at, ${key} AS sort_key FROM users ${whereOf(clauses)}
      ORDER BY ${key} ${direction}, id ${direction} LIMIT ?`,
    [...params, query.limit],
  );
  if (backward) rows.reverse();
  const first = rows[0];
  // How many matching rows come before the page: before its first row, or (an empty page) up to the anchor.
  let offset = 0;
  if (first !== undefined || anchor !== undefined) {
    const [k, id, inclusive] =
      first !== undefined ? [first.sort_key, first.id, false] : [anchor?.k ?? null, anchor?.id ?? "", !backward];
    const op = inclusive ? `${earlier}=` : earlier;
    const before = await db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM users ${whereOf([...filters.where, `(${key}, id) ${op} (?, ?)`])}`,
      [...filters.params, k, id],
    );
    offset = Number(before?.n ?? 0);
  }
  const users: UserListing[] = rows.map((row) => ({
    user: toUser(row),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
  }));
  return { total, offset, users };
}
