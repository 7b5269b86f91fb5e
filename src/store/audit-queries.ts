import {
  type AuditEntry,
  type AuditHead,
  type AuditInput,
  type AuditQuery,
  type AuditSealer,
  sealAuditHead,
} from "../domain/audit.ts";
import { storedAudit } from "./audit-record.ts";
import { type AuditRow, auditColumns, toAuditEntry } from "./rows.ts";
import type { Dialect, SqlExecutor, SqlParam } from "./sql-engine.ts";

/** The audit log's queries, shared by both engines; SqlStore's audit verbs delegate here. */
export async function listAudit(db: SqlExecutor, query: AuditQuery): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const filters: [string, string | undefined][] = [
    ["actor_id", query.actorId],
    ["target_id", query.targetId],
    ["action", query.action],
    ["outcome", query.outcome],
  ];
  for (const [column, value] of filters) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (query.before !== undefined) {
    where.push("seq < ?");
    params.push(query.before);
  }
  const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
  params.push(query.limit);
  const rows = await db.all<AuditRow>(
    `SELECT ${auditColumns} FROM audit_log ${clause} ORDER BY seq DESC LIMIT ?`,
    params,
  );
  return rows.map(toAuditEntry);
}

/**
 * Rows per read of the chain. SQLite's reads are synchronous: 100 rows hold the event loop for 0.5-1.5 ms
 * (measured on a busy 2-core machine), and the verification walk gives it a turn every few milliseconds
 * between reads (verifyTurnMs in domain/audit-verification.ts).
 */
export const auditChainChunk = 100;

export async function* readAuditChain(db: SqlExecutor, afterSeq = 0): AsyncIterable<AuditEntry> {
  let after = afterSeq;
  for (;;) {
    const rows = await db.all<AuditRow>(`SELECT ${auditColumns} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, [
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
  if (row === undefined) throw new Error("audit_head row is missing: the database was not migrated");
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
  const { record: entry, detailsJson } = storedAudit(input);
  const hash = seal(head.hash, seq, entry);
  await db.run(`INSERT INTO audit_log (${auditColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    seq,
    entry.at,
    entry.actorType,
    entry.actorId,
    entry.action,
    entry.targetId,
    entry.outcome,
    entry.reason,
    entry.requestId,
    entry.ip,
    detailsJson,
    head.hash,
    hash,
  ]);
  await db.run("UPDATE audit_head SET seq = ?, hash = ?, seal = ? WHERE id = 1", [
    seq,
    hash,
    sealAuditHead(seal, seq, hash),
  ]);
  return { ...entry, seq, prevHash: head.hash, hash };
}
