import type { Actor, RequestMeta } from "../actor.ts";
import { refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import type { Ok, Refusal } from "../errors.ts";
import type { UserListing, UserPageQuery } from "../ports.ts";

/** A page of the admin users list, with what its previous and next links need. */
export interface UserListPage {
  readonly users: readonly UserListing[];
  readonly total: number;
  /** Position of the page's first user in the filtered order, from 1 (0 for an empty page). */
  readonly first: number;
  /** The cursor for the page before (the first user's id), or null at the start. */
  readonly previous: string | null;
  /** The cursor for the page after (the last user's id), or null at the end. */
  readonly next: string | null;
  /** The page was asked for from a user no longer there: this is the first page instead. */
  readonly restarted: boolean;
}

/**
 * The admin users list: permission first (403 before any read), then one keyset page. A cursor is a user's
 * id, never a sort value (an address in a URL would end up in logs); a page starts after or before that
 * user's place in the order the page asks for.
 */
export async function listUserPage(
  deps: Deps,
  actor: Actor,
  query: UserPageQuery,
  meta: RequestMeta,
): Promise<Ok<UserListPage> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.list", null);
  if (denied !== null) return denied;
  const { from: _from, ...fromStart } = query;
  const found = await deps.store.pageUsers(query);
  const page = found ?? (await deps.store.pageUsers(fromStart));
  if (page === null) throw new Error("the first page of the users list has no anchor to lose");
  const { users, total, offset } = page;
  const firstUser = users[0];
  const lastUser = users.at(-1);
  return {
    ok: true,
    users,
    total,
    first: users.length === 0 ? 0 : offset + 1,
    // An empty page past the end (its last user deleted meanwhile) goes back from where it was asked.
    previous: offset > 0 ? (firstUser?.user.id ?? query.from?.id ?? null) : null,
    next: offset + users.length < total && lastUser !== undefined ? lastUser.user.id : null,
    restarted: found === null,
  };
}
