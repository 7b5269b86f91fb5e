import type { AuditEntry, AuditQuery } from "../../src/domain/audit/audit-chain.ts";
import type { TestApp } from "./app.ts";

/** @module The audit log as a test reads it: straight from the store, around the request under test. */

/** Audit entries matching the query, newest first. */
export function auditOf(t: TestApp, query: Omit<AuditQuery, "limit">): Promise<AuditEntry[]> {
  return t.store.listAudit({ ...query, limit: 1000 });
}

/** The whole chain, oldest first. */
export async function wholeAudit(t: TestApp): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const entry of t.store.readAuditChain()) entries.push(entry);
  return entries;
}

/** The sequence number of the newest entry (0 for an empty log): what `auditSince` reads after. */
export async function lastAuditSeq(t: TestApp): Promise<number> {
  const [last] = await t.store.listAudit({ limit: 1 });
  return last?.seq ?? 0;
}

/** The entries appended after `seq`, oldest first. */
export async function auditSince(t: TestApp, seq: number): Promise<AuditEntry[]> {
  const entries = await t.store.listAudit({ limit: 1_000 });
  return entries.filter((entry) => entry.seq > seq).reverse();
}
