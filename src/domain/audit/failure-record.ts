import type { Actor, RequestMeta } from "../actor.ts";
import type { Deps } from "../deps.ts";
import { auditEntry } from "./audit-entry.ts";
import { auditedTargetId } from "./denial-record.ts";

/**
 * An administrative act that fails (a fault, not a refusal: the database gone, a deadlock that outlived its
 * retries) is still recorded, as a failure, in a transaction of its own, since the act's own rolled back.
 * The fault is then rethrown for the edge to answer 500. If even the record cannot be written (the database
 * is unreachable), the original fault is what the caller sees.
 */
export async function auditFailures<T>(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: string,
  targetId: string | null,
  act: () => Promise<T>,
): Promise<T> {
  try {
    return await act();
  } catch (fault) {
    await deps.store
      .transaction(async (tx) => {
        const entry = auditEntry(actor, meta, deps.clock.now(), {
          action,
          outcome: "failure",
          targetId: targetId === null ? null : await auditedTargetId(deps, tx, targetId),
          reason: "INTERNAL",
        });
        await tx.appendAudit(entry);
      })
      .catch(() => {});
    throw fault;
  }
}
