import type { Actor } from "../actor.ts";
import type { AuditEntry } from "../audit/audit-chain.ts";
import type { Deps } from "../deps.ts";
import type { StoreTx } from "../ports.ts";
import { type EventFacts, userEvents } from "./user-event.ts";

/**
 * An act's events, written in its transaction right after its audit row (the row is what orders them: see
 * EventRecord). The one way a use case emits events.
 */
export async function recordEvents(
  tx: StoreTx,
  deps: Pick<Deps, "random">,
  actor: Actor,
  audit: AuditEntry,
  facts: readonly EventFacts[],
): Promise<void> {
  if (facts.length === 0) return;
  await tx.insertEvents(userEvents(deps.random, actor, audit, facts));
}
