import { type AuditEntry, type AuditQuery, type AuditVerification, verifyAuditChain } from "./audit.ts";
import { permits } from "./authz.ts";
import type { Actor, Deps, RequestMeta } from "./context.ts";
import { type Refusal, refuse } from "./errors.ts";
import { recordDenial } from "./guard.ts";

export async function readAuditLog(
  deps: Deps,
  actor: Actor,
  query: AuditQuery,
  meta: RequestMeta,
): Promise<{ ok: true; entries: AuditEntry[]; nextBefore: number | null } | Refusal> {
  if (!permits(actor, "audit.read")) return recordDenial(deps, actor, meta, "audit.read", null, refuse("FORBIDDEN"));
  const entries = await deps.store.listAudit(query);
  const last = entries.at(-1);
  return { ok: true, entries, nextBefore: entries.length === query.limit && last !== undefined ? last.seq : null };
}

/** Walks the whole chain: an edited, inserted or removed entry, or a cut-off tail, fails it. */
export async function verifyAuditLog(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
): Promise<({ ok: true } & { verification: AuditVerification }) | Refusal> {
  if (!permits(actor, "audit.read")) return recordDenial(deps, actor, meta, "audit.verify", null, refuse("FORBIDDEN"));
  // An append that lands between the walk and the head read looks like a truncation: look once more.
  let verification = await verifyOnce(deps);
  for (
    let retry = 0;
    retry < 2 && !verification.ok && verification.problem.startsWith("entries are missing");
    retry++
  ) {
    verification = await verifyOnce(deps);
  }
  return { ok: true, verification };
}

function verifyOnce(deps: Deps): Promise<AuditVerification> {
  return verifyAuditChain(deps.store.readAuditChain(), () => deps.store.getAuditHead(), deps.auditSealer);
}
