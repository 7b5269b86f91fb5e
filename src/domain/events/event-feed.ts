import type { Actor, RequestMeta } from "../actor.ts";
import { refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { EventPosition } from "../ports.ts";
import type { EventPayload } from "./user-event.ts";

/**
 * @module
 * The events feed: what happened to users, in commit order, for a downstream system to reconcile from
 * (after missed deliveries, or instead of webhooks). A consumer keeps the cursor of its last page and asks
 * for what comes after it; every event is kept for the retention period (EVENT_RETENTION_DAYS), and a cursor
 * from before what retention has deleted is refused (410) instead of quietly skipping events.
 */

/** `<audit seq>.<ordinal>`: a place in the feed, as the API hands it out. The start is `0.-1`. */
const cursorShape = /^(0|[1-9][0-9]{0,14})\.(-1|0|[1-9][0-9]{0,3})$/;

export function formatCursor(position: EventPosition): string {
  return `${position.auditSeq}.${position.ordinal}`;
}

/** Null for anything this server never handed out as a cursor. */
export function parseCursor(text: string): EventPosition | null {
  const match = cursorShape.exec(text);
  if (match === null) return null;
  return { auditSeq: Number(match[1]), ordinal: Number(match[2]) };
}

const start: EventPosition = { auditSeq: 0, ordinal: -1 };

function before(a: EventPosition, b: EventPosition): boolean {
  return a.auditSeq < b.auditSeq || (a.auditSeq === b.auditSeq && a.ordinal < b.ordinal);
}

export interface EventPage {
  readonly events: readonly EventPayload[];
  /** Where the next page starts: the last event's place, or the cursor asked with when there was none. */
  readonly nextCursor: string;
  /** More events follow already: ask again at once. */
  readonly hasMore: boolean;
}

export async function readEvents(
  deps: Deps,
  actor: Actor,
  query: { after?: string; limit: number },
  meta: RequestMeta,
): Promise<Ok<EventPage> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "events.read", null);
  if (denied !== null) return denied;
  const after = query.after === undefined ? start : parseCursor(query.after);
  if (after === null) return refuse("VALIDATION_FAILED", "`after` is not a cursor this server gave.");
  // No cursor is a consumer starting out: it gets what is retained, from the oldest. A cursor from before
  // the pruned events may have missed some of them: that consumer must resynchronise.
  if (query.after !== undefined && before(after, await deps.store.getEventsPrunedThrough())) {
    return refuse("EVENTS_CURSOR_EXPIRED");
  }
  // One extra row tells whether another page follows.
  const rows = await deps.store.listEvents(after, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    ok: true,
    events: page.map((event) => event.payload),
    nextCursor: formatCursor(last === undefined ? after : { auditSeq: last.auditSeq, ordinal: last.ordinal }),
    hasMore: rows.length > query.limit,
  };
}

/** The minute job's share: events past their retention, in bounded batches; returns how many went. */
export async function pruneOldEvents(deps: Deps, batch = 1_000): Promise<number> {
  const cutoff = deps.clock.now() - deps.eventRetentionMs;
  let pruned = 0;
  for (;;) {
    const deleted = await deps.store.pruneEvents(cutoff, batch);
    pruned += deleted;
    if (deleted < batch) return pruned;
  }
}
