import type { Deps } from "../deps.ts";

/** Rows per delete statement: small enough that one batch holds the SQLite writer for about a millisecond. */
export const sweepBatchSize = 100;

/**
 * Reclaims the rows of sessions idle past the limit, in bounded batches with a turn of the event loop
 * between them, so a large backlog (a million rows after a long outage) never stalls the requests being
 * served. Such sessions are already refused by the session check: the sweep only removes their rows (and
 * the address and user agent they hold).
 *
 * A session past its absolute limit is refused at once, is never touched again, and so is swept once it
 * has also been idle for the idle limit: sweeping by last_seen_at alone needs one index, not two.
 */
export async function sweepIdleSessions(deps: Deps, batchSize = sweepBatchSize): Promise<number> {
  let swept = 0;
  for (;;) {
    const deleted = await deps.store.deleteIdleSessions(deps.clock.now() - deps.lifetimes.idleMs, batchSize);
    swept += deleted;
    if (deleted < batchSize) return swept;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
