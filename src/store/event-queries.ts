import type { EventPayload, EventRecord, EventType } from "../domain/events/user-event.ts";
import type { EventPosition } from "../domain/ports.ts";
import type { SqlExecutor } from "./sql-engine.ts";

/** The events table's queries, shared by both engines (migration 6 explains the key). */
const eventColumns = "audit_seq, ordinal, id, type, user_id, occurred_at, payload";

interface EventRow {
  audit_seq: number;
  ordinal: number;
  id: string;
  type: string;
  user_id: string;
  occurred_at: number;
  payload: string;
}

function toEvent(row: EventRow): EventRecord {
  return {
    auditSeq: Number(row.audit_seq),
    ordinal: Number(row.ordinal),
    id: row.id,
    // Only the use cases write this table, with an EventType and the payload they built.
    type: row.type as EventType,
    userId: row.user_id,
    occurredAt: Number(row.occurred_at),
    payload: JSON.parse(row.payload) as EventPayload,
  };
}

export async function insertEvents(db: SqlExecutor, events: readonly EventRecord[]): Promise<void> {
  for (const e of events) {
    await db.run(`INSERT INTO events (${eventColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      e.auditSeq,
      e.ordinal,
      e.id,
      e.type,
      e.userId,
      e.occurredAt,
      JSON.stringify(e.payload),
    ]);
  }
}

export async function listEvents(db: SqlExecutor, after: EventPosition, limit: number): Promise<EventRecord[]> {
  // A row-value comparison: both engines seek the primary key to the position and read on from there. The
  // same condition spelled out with OR made SQLite scan the key from its start (17 ms at 100,000 events).
  const rows = await db.all<EventRow>(
    `SELECT ${eventColumns} FROM events WHERE (audit_seq, ordinal) > (?, ?) ORDER BY audit_seq, ordinal LIMIT ?`,
    [after.auditSeq, after.ordinal, limit],
  );
  return rows.map(toEvent);
}

export async function getEventsPrunedThrough(db: SqlExecutor): Promise<EventPosition> {
  const row = await db.get<{ audit_seq: number; ordinal: number }>(
    "SELECT audit_seq, ordinal FROM events_pruned WHERE id = 1",
  );
  return row === undefined
    ? { auditSeq: 0, ordinal: -1 }
    : { auditSeq: Number(row.audit_seq), ordinal: Number(row.ordinal) };
}

/**
 * Inside one transaction: the oldest events, up to `limit`, while they are older than `before`, deleted, and
 * the mark moved to the last of them. Read in key order and cut at the first young event: the key is commit
 * order, so an event is pruned only with every event before it in the feed, and the mark is exact.
 */
export async function pruneEvents(db: SqlExecutor, before: number, limit: number): Promise<number> {
  const oldest = await db.all<{ audit_seq: number; ordinal: number; occurred_at: number }>(
    "SELECT audit_seq, ordinal, occurred_at FROM events ORDER BY audit_seq, ordinal LIMIT ?",
    [limit],
  );
  const young = oldest.findIndex((row) => Number(row.occurred_at) >= before);
  const last = (young === -1 ? oldest : oldest.slice(0, young)).at(-1);
  if (last === undefined) return 0;
  const through = { auditSeq: Number(last.audit_seq), ordinal: Number(last.ordinal) };
  const deleted = await db.run("DELETE FROM events WHERE (audit_seq, ordinal) <= (?, ?)", [
    through.auditSeq,
    through.ordinal,
  ]);
  await db.run("UPDATE events_pruned SET audit_seq = ?, ordinal = ? WHERE id = 1", [through.auditSeq, through.ordinal]);
  return deleted;
}
