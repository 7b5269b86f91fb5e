import type { Actor, RequestMeta } from "../actor.ts";
import type { Deps } from "../deps.ts";
import type { Ok, Refusal } from "../errors.ts";
import type { AuditEntry, AuditQuery } from "./audit-chain.ts";
import { auditEntry } from "./audit-entry.ts";
import { refusedPermission } from "./denial-record.ts";

/**
 * @module
 * exportAuditLog (`gatehouse audit export`): every entry a filter matches, oldest first, read in keyset pages
 * (seq above the last one seen), so a log of any size streams in flat memory. Taking the whole log is an act
 * of its own: audited as `audit.export` (with its filter) before the first page is read.
 */
export type AuditExportFilter = Omit<AuditQuery, "before" | "after" | "limit" | "targetId"> & {
  readonly targetId?: string;
};

/** Rows per page: one short read at a time, as the chain walk reads. */
export const auditExportPage = 500;

export async function exportAuditLog(
  deps: Deps,
  actor: Actor,
  filter: AuditExportFilter,
  meta: RequestMeta,
): Promise<Ok<{ entries: AsyncIterable<AuditEntry> }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "audit.read", null, "audit.export");
  if (denied !== null) return denied;
  await recordAuditExport(deps, actor, filter, meta);
  // As readAuditLog: a target id finds the refusals recorded under its pseudonym too.
  const { targetId } = filter;
  const query =
    typeof targetId === "string" ? { ...filter, targetId: [targetId, deps.auditPseudonym(targetId)] } : filter;
  return { ok: true, entries: pages(deps, query) };
}

/** The export's own audit row (`audit.export`, with its filter): taking a copy of the log is an act. */
export async function recordAuditExport(
  deps: Deps,
  actor: Actor,
  filter: AuditExportFilter,
  meta: RequestMeta,
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await tx.appendAudit(
      auditEntry(actor, meta, deps.clock.now(), {
        action: "audit.export",
        outcome: "success",
        targetId: null,
        details: {
          actorId: filter.actorId ?? null,
          targetId: typeof filter.targetId === "string" ? filter.targetId : null,
          action: filter.action ?? null,
          outcome: filter.outcome ?? null,
          since: filter.since ?? null,
          until: filter.until ?? null,
        },
      }),
    );
  });
}

async function* pages(deps: Deps, filter: Omit<AuditQuery, "after" | "limit">): AsyncIterable<AuditEntry> {
  let after = 0;
  for (;;) {
    const page = await deps.store.listAudit({ ...filter, after, limit: auditExportPage });
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < auditExportPage) return;
    after = last.seq;
  }
}
