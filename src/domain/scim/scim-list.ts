/**
 * @module
 * Listing users over SCIM (RFC 7644 3.4.2): a filter translated to a store condition (scim-filter.ts), run
 * as SQL on either engine with the page, in the stable order (created_at, id). Users whose deletion is
 * pending are never listed. Paging follows RFC 7644 3.4.2.4: a startIndex below 1 is read as 1, a negative
 * count as 0, a count above `maxResults` is served as `maxResults`; text that is not an integer is refused.
 */
import type { Actor, RequestMeta } from "../actor.ts";
import { refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { ProvisionedUser, UserCondition } from "../ports.ts";
import { scimFilterCondition } from "./scim-filter.ts";
import { scimLimits } from "./scim-schemas.ts";

export interface ScimListQuery {
  readonly filter?: string | undefined;
  readonly startIndex?: string | undefined;
  readonly count?: string | undefined;
}

export interface ScimPage {
  readonly totalResults: number;
  readonly startIndex: number;
  readonly users: readonly ProvisionedUser[];
}

export async function listScimUsers(
  deps: Deps,
  actor: Actor,
  query: ScimListQuery,
  meta: RequestMeta,
): Promise<Ok<{ page: ScimPage }> | Refusal> {
  const startIndex = integerParameter(query.startIndex, "startIndex", 1);
  if (!startIndex.ok) return startIndex;
  const count = integerParameter(query.count, "count", scimLimits.maxResults);
  if (!count.ok) return count;
  const filtered = query.filter === undefined ? null : scimFilterCondition(query.filter);
  if (filtered !== null && !filtered.ok) return filtered;
  const denied = await refusedPermission(deps, actor, meta, "users.list", null);
  if (denied !== null) return denied;
  const first = Math.max(1, startIndex.value);
  const notPending: UserCondition = { kind: "deletionPending", value: false };
  const { total, users } = await deps.store.findUsers({
    where: filtered === null ? notPending : { kind: "and", conditions: [filtered.condition, notPending] },
    offset: first - 1,
    limit: Math.min(Math.max(0, count.value), scimLimits.maxResults),
  });
  return { ok: true, page: { totalResults: total, startIndex: first, users } };
}

function integerParameter(text: string | undefined, label: string, absent: number): Ok<{ value: number }> | Refusal {
  if (text === undefined) return { ok: true, value: absent };
  if (!/^-?[0-9]{1,10}$/.test(text.trim()) || Math.abs(Number(text)) > scimLimits.maxStartIndex) {
    return refuse("VALIDATION_FAILED", `${label} must be an integer of at most ${scimLimits.maxStartIndex}.`);
  }
  return { ok: true, value: Number(text) };
}
