import type { Actor, RequestMeta } from "../actor.ts";
import type { Deps } from "../deps.ts";
import type { Ok, Refusal } from "../errors.ts";
import type { Store } from "../ports.ts";
import type { AuditEntry, AuditQuery } from "./audit-chain.ts";
import {
  AuditChainWalk,
  type AuditVerification,
  defaultMaxReported,
  type VerifyOptions,
  walkAuditChain,
} from "./audit-chain-walk.ts";
import { refusedPermission } from "./denial-record.ts";

export async function readAuditLog(
  deps: Deps,
  actor: Actor,
  query: AuditQuery,
  meta: RequestMeta,
): Promise<Ok<{ entries: AuditEntry[]; nextBefore: number | null }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "audit.read", null);
  if (denied !== null) return denied;
  // Refusals on an id that named no user at the time were recorded under its pseudonym: a search for the
  // id (or the text an admin typed) finds those too.
  const { targetId } = query;
  const entries = await deps.store.listAudit(
    typeof targetId === "string" ? { ...query, targetId: [targetId, deps.auditPseudonym(targetId)] } : query,
  );
  const last = entries.at(-1);
  return { ok: true, entries, nextBefore: entries.length === query.limit && last !== undefined ? last.seq : null };
}

/**
 * Walks the whole chain: an edited, inserted or removed entry, or a cut-off tail, fails it, and every broken
 * entry is reported. The walk yields to the event loop as it goes (walkAuditChain), and calls made while one
 * runs share it: stacked verify requests cost one walk, not one each. A verdict is never cached beyond the
 * walk that produced it.
 */
export async function verifyAuditLog(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  options: VerifyOptions = {},
): Promise<Ok<{ verification: AuditVerification }> | Refusal> {
  // Audited under its own action; a token without audit:read is told so (INSUFFICIENT_SCOPE), as everywhere.
  const denied = await refusedPermission(deps, actor, meta, "audit.read", null, "audit.verify");
  if (denied !== null) return denied;
  return { ok: true, verification: await sharedVerification(deps, options.maxReported ?? defaultMaxReported) };
}

const running = new WeakMap<Store, Map<number, Promise<AuditVerification>>>();

function sharedVerification(deps: Deps, maxReported: number): Promise<AuditVerification> {
  let byStore = running.get(deps.store);
  if (byStore === undefined) {
    byStore = new Map();
    running.set(deps.store, byStore);
  }
  const joined = byStore.get(maxReported);
  if (joined !== undefined) return joined;
  const runs = byStore;
  const started = verifyOnce(deps, maxReported).finally(() => runs.delete(maxReported));
  runs.set(maxReported, started);
  return started;
}

async function verifyOnce(deps: Deps, maxReported: number): Promise<AuditVerification> {
  const walk = new AuditChainWalk(deps.auditSealer, maxReported);
  await walkAuditChain(walk, deps.store.readAuditChain());
  let head = await deps.store.getAuditHead();
  // An append that lands between the walk and the head read looks like a cut-off tail: read the entries
  // appended since and look again (twice at most), without walking the chain from its start.
  for (let retry = 0; retry < 2 && head.seq > walk.lastSeq; retry++) {
    await walkAuditChain(walk, deps.store.readAuditChain(walk.lastSeq));
    head = await deps.store.getAuditHead();
  }
  return walk.verdict(head);
}

/** An id in the log that names no user: the keyed pseudonym of an id from a request (audit-pseudonym.ts). */
export function isPseudonym(id: string): boolean {
  return id.startsWith("unknown:");
}

/**
 * The e-mail addresses of the people a page of entries names, in one query (not one per row), for an
 * actor whose read of the log was permitted. The log holds ids only: an erased person is simply absent
 * from the answer, so no old address can come back.
 */
export async function peopleNamedBy(deps: Deps, entries: readonly AuditEntry[]): Promise<ReadonlyMap<string, string>> {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (entry.actorId !== null && (entry.actorType === "user" || entry.actorType === "token")) ids.add(entry.actorId);
    if (entry.targetId !== null && !isPseudonym(entry.targetId)) ids.add(entry.targetId);
  }
  return deps.store.getUserEmails([...ids]);
}
