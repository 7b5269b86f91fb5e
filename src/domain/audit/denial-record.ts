import type { Actor, RequestMeta } from "../actor.ts";
import { type AdminAction, lacksScope, permits } from "../admin/authz.ts";
import type { Deps } from "../deps.ts";
import { type Refusal, rateLimitedRefusal, refuse } from "../errors.ts";
import type { StoreReads, StoreTx } from "../ports.ts";
import { auditEntry } from "./audit-entry.ts";
import type { DenialAdmission } from "./denial-budget.ts";

/**
 * Every refusal of an administrative act is itself recorded (ASVS 16.3.2): who tried what on which id,
 * and why not. Inside a transaction the row commits with it (the refused act wrote nothing else).
 * The refusal is decided before this is called: the lookup below only chooses what the record says
 * (the id, or its pseudonym), never the answer, and every refusal makes it, whether the id exists or not.
 * Within the denial budget, that is; past it the refusal becomes RATE_LIMITED and is not written.
 */
export async function recordDenial(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: AdminAction | string,
  targetId: string | null,
  refusal: Refusal,
  tx?: StoreTx,
): Promise<Refusal> {
  const admission = deps.denials.admit(actor.type === "user" ? actor.user.id : null, meta.network ?? meta.ip);
  if (!admission.admitted) return throttledDenial(deps, actor, meta, action, admission, tx);
  const entry = auditEntry(actor, meta, deps.clock.now(), {
    action,
    outcome: "denied",
    targetId: targetId === null ? null : await auditedTargetId(deps, tx ?? deps.store, targetId),
    reason: refusal.code,
  });
  if (tx !== undefined) await tx.appendAudit(entry);
  else await deps.store.transaction((own) => own.appendAudit(entry));
  return refusal;
}

/**
 * A refusal past the denial budget (audit/denial-budget.ts): 429, and no row of its own. The first of a
 * burst writes one row saying that refusals from this account or address are being throttled, so the log
 * still shows that someone kept being refused, and from when.
 */
async function throttledDenial(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: string,
  admission: Extract<DenialAdmission, { admitted: false }>,
  tx: StoreTx | undefined,
): Promise<Refusal> {
  if (admission.newlyThrottled.length > 0) {
    const entry = auditEntry(actor, meta, deps.clock.now(), {
      action: "audit.denials_throttled",
      outcome: "denied",
      reason: "RATE_LIMITED",
      details: { throttled: admission.newlyThrottled.join(","), firstAction: action },
    });
    if (tx !== undefined) await tx.appendAudit(entry);
    else await deps.store.transaction((own) => own.appendAudit(entry));
  }
  return rateLimitedRefusal(admission.retryAfterMs);
}

/** User ids are UUIDs; anything longer, or not plain text, names nobody and is not worth a query. */
const longestUserId = 64;

/**
 * An id from a request is kept only when it names a user; anything else (an e-mail address typed into the
 * URL, a probe) becomes its keyed pseudonym, so no caller-chosen text reaches the append-only log.
 */
export async function auditedTargetId(deps: Deps, reads: StoreReads, id: string): Promise<string> {
  const couldNameUser = id.length > 0 && id.length <= longestUserId && id.isWellFormed() && !id.includes("\u0000");
  if (couldNameUser && (await reads.getUserById(id)) !== null) return id;
  return deps.auditPseudonym(id);
}

/**
 * Permitted at all? Asked before any lookup, so that a 403 is the same answer whether the target exists or
 * not (authz.ts); the refusal is audited under `auditedAs` (a deletion plan under its own action).
 */
export async function refusedPermission(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: AdminAction,
  targetId: string | null,
  auditedAs: string = action,
): Promise<Refusal | null> {
  if (permits(actor, action)) return null;
  const code = lacksScope(actor, action) ? "INSUFFICIENT_SCOPE" : "FORBIDDEN";
  return recordDenial(deps, actor, meta, auditedAs, targetId, refuse(code));
}
