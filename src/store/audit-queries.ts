import {
  type AuditEntry,
  type AuditHead,
  type AuditInput,
  type AuditQuery,
  type AuditSealer,
  sealAuditHead,
} from "../domain/audit/audit-chain.ts";
import { storedAudit } from "./audit-record.ts";
import { type AuditRow, auditInsertSql, auditRowValues, auditSelect, toAuditEntry } from "./rows.ts";
import type { Dialect, SqlExecutor, SqlParam } from "./sql-engine.ts";

/** The audit log's queries, shared by both engines; SqlStore's audit verbs delegate here. */
export async function listAudit(db: SqlExecutor, query: AuditQuery): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const filters: [string, string | readonly string[] | undefined][] = [
    ["a.actor_id", query.actorId],
    ["a.target_id", query.targetId],
    ["a.action", query.action],
    ["a.outcome", query.outcome],
  ];
  for (const [column, value] of filters) {
    if (typeof value === "string") {
      where.push(`${column} = ?`);
      params.push(value);
    } else if (value !== undefined) {
      where.push(value.length === 0 ? "1 = 0" : `${column} IN (${value.map(() => "?").join(", ")})`);
      params.push(...value);
    }
  }
  if (query.before !== undefined) {
    where.push("a.seq < ?");
    params.push(query.before);
  }
  if (query.from !== undefined) {
    where.push("a.at >= ?");
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push("a.at < ?");
    params.push(query.to);
  }
  const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
  params.push(query.limit);
  const rows = await db.all<AuditRow>(`${auditSelect} ${clause} ORDER BY a.seq DESC LIMIT ?`, params);
  return rows.map(toAuditEntry);
}

/**
 * Rows per read of the chain. SQLite's reads are synchronous: 100 rows hold the event loop for 0.5-1.5 ms
 * (measured on a busy 2-core machine), and the verification walk gives it a turn every few milliseconds
 * between reads (verifyTurnMs in domain/audit/audit-chain-walk.ts).
 */
export const auditChainChunk = 100;

export async function* readAuditChain(db: SqlExecutor, afterSeq = 0): AsyncIterable<AuditEntry> {
  let after = afterSeq;
  for (;;) {
    const rows = await db.all<AuditRow>(`${auditSelect} WHERE a.seq > ? ORDER BY a.seq LIMIT ?`, [
      after,
      auditChainChunk,
    ]);
    for (const row of rows) yield toAuditEntry(row);
    const last = rows.at(-1);
    if (last === undefined) return;
    after = last.seq;
  }
}

export async function getAuditHead(db: SqlExecutor): Promise<AuditHead> {
  const row = await db.get<{ seq: number; hash: string; seal: string }>(
    "SELECT seq, hash, seal FROM audit_head WHERE id = 1",
  );
  // Migrations create the row and nothing deletes it: gone, it was removed behind the server's back. That is
  // a break for verification to report, not a fault that stops it (appends still refuse to go on).
  if (row === undefined) return { seq: 0, hash: "", seal: "", missing: true };
  return { seq: Number(row.seq), hash: row.hash, seal: row.seal };
}

export async function appendAudit(
  db: SqlExecutor,
  dialect: Dialect,
  seal: AuditSealer,
  input: AuditInput,
): Promise<AuditEntry> {
  // The head row is locked for the rest of the transaction, so concurrent appends form one chain.
  const head = await db.get<{ seq: number; hash: string }>(
    `SELECT seq, hash FROM audit_head WHERE id = 1${dialect.lockRowsSuffix}`,
  );
  if (head === undefined) throw new Error("audit_head row is missing: the database was not migrated");
  const seq = Number(head.seq) + 1;
  const { record, detailsJson, note } = storedAudit(input, seal);
  const hash = seal(head.hash, seq, record);
  await db.run(auditInsertSql, auditRowValues({ ...record, seq, prevHash: head.hash, hash }, detailsJson));
  if (note !== null) {
    await db.run("INSERT INTO audit_notes (seq, note, search_text) VALUES (?, ?, ?)", [
      seq,
      note.text,
      note.searchText,
    ]);
  }
  await db.run("UPDATE audit_head SET seq = ?, hash = ?, seal = ? WHERE id = 1", [
    seq,
    hash,
    sealAuditHead(seal, seq, hash),
  ]);
  return { ...record, seq, prevHash: head.hash, hash, ...(note === null ? {} : { note: note.text }) };
}

/**
 * Erasure of a person reaches the notes too: every note that mentions their address, in any letter case
 * however it was spelled (search_text is the note's freeTextSearchKey, the address its normalized form). Notes stand outside the sealed
 * chain (the entry keeps the note's MAC), so this leaves the chain verifiable.
 */
export async function eraseAuditNotesMentioning(db: SqlExecutor, normalizedEmail: string): Promise<number> {
  const pattern = `%${normalizedEmail.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db.run("DELETE FROM audit_notes WHERE search_text LIKE ? ESCAPE '\\'", [pattern]);
}
