import type { AdminAction } from "./authz.ts";
import { type Actor, auditEntry, type Deps, type RequestMeta } from "./context.ts";
import type { Refusal } from "./errors.ts";
import type { StoreTx } from "./ports.ts";
import { isRecentlyAuthenticated } from "./session.ts";

/**
 * Every refusal of an administrative act is itself recorded (ASVS 16.3.2): who tried what on which id,
 * and why not. Inside a transaction the row commits with it (the refused act wrote nothing else).
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
  const entry = auditEntry(actor, meta, deps.clock.now(), {
    action,
    outcome: "denied",
    // Ids from the request are attacker-chosen text: keep the record bounded.
    targetId: targetId === null ? null : targetId.slice(0, 64),
    reason: refusal.code,
  });
  if (tx !== undefined) await tx.appendAudit(entry);
  else await deps.store.transaction((own) => own.appendAudit(entry));
  return refusal;
}

/** Sensitive acts need a recent password proof in this session; the CLI operator is not a session. */
export function needsStepUp(deps: Deps, actor: Actor): boolean {
  if (actor.type !== "user") return false;
  return actor.session === null || !isRecentlyAuthenticated(actor.session, deps.clock.now(), deps.lifetimes);
}
