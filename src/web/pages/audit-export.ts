/**
 * @module
 * The audit log's filtered view as a file, CSV or JSON lines, streamed: read in keyset pages (`before` the
 * last seq sent) through the same readAuditLog as the page, each page's people looked up in one query, and
 * written as it is read, so the whole log is never held in memory. CSV cells are neutralised against
 * spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with = + - @, a tab or a carriage
 * return gets a leading apostrophe, so a spreadsheet shows it as text instead of running it.
 */
import { Readable } from "node:stream";
import type { Actor, RequestMeta } from "../../domain/actor.ts";
import type { AuditEntry, AuditQuery } from "../../domain/audit/audit-chain.ts";
import { type AuditExportFilter, recordAuditExport } from "../../domain/audit/audit-export.ts";
import { peopleNamedBy, readAuditLog } from "../../domain/audit/audit-log.ts";
import type { Deps } from "../../domain/deps.ts";
import type { Ok, Refusal } from "../../domain/errors.ts";
import { actorText, personText } from "./audit-people.ts";
import { actionLabel, describeEntry, reasonText } from "./audit-sentences.ts";

export const auditExportFormats = ["csv", "jsonl"] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

/** Entries per read: a page of the export, its people looked up together. */
export const exportPageSize = 200;

const csvColumns = [
  "entry",
  "time_utc",
  "actor",
  "actor_id",
  "action",
  "action_name",
  "target",
  "target_id",
  "outcome",
  "what_happened",
  "reason",
];

/** One CSV cell: quoted, quotes doubled, and a formula's first character defused. */
export function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvLine(entry: AuditEntry, people: ReadonlyMap<string, string>): string {
  return `${[
    entry.seq,
    new Date(entry.at).toISOString(),
    actorText(entry, people),
    entry.actorId,
    actionLabel(entry.action),
    entry.action,
    personText(entry.targetId, people),
    entry.targetId,
    entry.outcome,
    describeEntry(entry),
    reasonText(entry),
  ]
    .map(csvCell)
    .join(",")}\r\n`;
}

function jsonLine(entry: AuditEntry, people: ReadonlyMap<string, string>): string {
  const named = (id: string | null) => (id === null ? null : (people.get(id) ?? null));
  return `${JSON.stringify({
    seq: entry.seq,
    at: new Date(entry.at).toISOString(),
    actor: { type: entry.actorType, id: entry.actorId, email: named(entry.actorId), name: actorText(entry, people) },
    action: entry.action,
    actionName: actionLabel(entry.action),
    target:
      entry.targetId === null
        ? null
        : { id: entry.targetId, email: named(entry.targetId), name: personText(entry.targetId, people) },
    outcome: entry.outcome,
    whatHappened: describeEntry(entry),
    reason: reasonText(entry) === "" ? null : reasonText(entry),
    details: entry.details,
    requestId: entry.requestId,
    ip: entry.ip,
    hash: entry.hash,
  })}\n`;
}

type Filters = Omit<AuditQuery, "limit" | "before">;

/** The page's filter as the export's audit row records it (one target id, not its pseudonym too). */
function exportFilterOf(filters: Filters): AuditExportFilter {
  const { targetId, after: _after, ...rest } = filters;
  const one = Array.isArray(targetId) ? targetId[0] : targetId;
  return { ...rest, ...(typeof one === "string" ? { targetId: one } : {}) };
}

/**
 * The export as a stream, or the refusal of its first read (sent as an error before any byte of the file).
 * Every later page goes through readAuditLog again: an admin demoted mid-export gets no further page.
 */
export async function auditExport(
  deps: Deps,
  actor: Actor,
  filters: Filters,
  meta: RequestMeta,
  format: AuditExportFormat,
): Promise<Ok<{ stream: Readable }> | Refusal> {
  const first = await readAuditLog(deps, actor, { ...filters, limit: exportPageSize }, meta);
  if (!first.ok) return first;
  // Audited as the command line's export is, once the first page showed the actor may read the log; the
  // row comes after every entry the export pages through (`before` the first page's seqs), so it is not in it.
  await recordAuditExport(deps, actor, exportFilterOf(filters), meta);
  const line = format === "csv" ? csvLine : jsonLine;
  async function* lines(): AsyncGenerator<string> {
    if (format === "csv") yield `${csvColumns.join(",")}\r\n`;
    let page = first;
    for (;;) {
      if (!page.ok) throw new Error(`the audit export was refused midway: ${page.code}`);
      const people = await peopleNamedBy(deps, page.entries);
      // One chunk per page: a write per line would cost a syscall each.
      yield page.entries.map((entry) => line(entry, people)).join("");
      if (page.nextBefore === null) return;
      page = await readAuditLog(deps, actor, { ...filters, before: page.nextBefore, limit: exportPageSize }, meta);
    }
  }
  return { ok: true, stream: Readable.from(lines(), { objectMode: false }) };
}
