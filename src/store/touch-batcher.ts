import type { SqlEngine } from "./sql-engine.ts";

/** How long last-seen touches gather before they are written together (production default). */
export const touchFlushDelayMs = 1000;
const touchesPerTransaction = 500;

/**
 * Last-seen updates, batched: every touch requested within the flush delay (1 s) is written together,
 * not fsync'd. Each commit costs the writer a WAL append and an occasional checkpoint, and makes SQLite's
 * read connection drop its page cache: at one commit per event-loop turn, touches cost a visible share of
 * the session check's throughput; at one per second, nothing measurable (docs/perf-history.md,
 * "Optimizations"). A touch's promise
 * settles when the batch holding it is written. A delay of 0 writes at the next turn of the event loop
 * (tests).
 */
export class TouchBatcher {
  readonly #engine: SqlEngine;
  readonly #delayMs: number;
  readonly #pending = new Map<string, number>();
  #batch: Promise<void> | null = null;
  #flushNow: (() => void) | null = null;
  readonly #writes = new Set<Promise<void>>();

  constructor(engine: SqlEngine, delayMs: number) {
    this.#engine = engine;
    this.#delayMs = delayMs;
  }

  touch(sessionId: string, at: number): Promise<void> {
    this.#pending.set(sessionId, Math.max(at, this.#pending.get(sessionId) ?? 0));
    this.#batch ??= new Promise<void>((resolve, reject) => {
      const flush = () => {
        if (this.#flushNow !== flush) return;
        clearTimeout(timer);
        this.#flushNow = null;
        const batch = [...this.#pending];
        this.#pending.clear();
        this.#batch = null;
        const writing = this.#write(batch);
        this.#writes.add(writing);
        writing.then(resolve, reject).finally(() => this.#writes.delete(writing));
      };
      this.#flushNow = flush;
      // Not unref'd: a pending touch keeps the process up for at most the delay; close() writes it at once.
      const timer = this.#delayMs > 0 ? setTimeout(flush, this.#delayMs) : undefined;
      if (timer === undefined) setImmediate(flush);
    });
    return this.#batch;
  }

  /** Writes what is pending now, without waiting for the delay, and waits for every write in flight. */
  async close(): Promise<void> {
    this.#flushNow?.();
    await Promise.allSettled([...this.#writes]);
  }

  /**
   * Transactions of at most touchesPerTransaction, with a turn of the event loop between them: after a
   * restart every active session comes due at once, and one transaction of ten thousand scattered updates
   * would hold SQLite's writer (and its event loop) for a long commit and checkpoint.
   */
  async #write(batch: readonly (readonly [string, number])[]): Promise<void> {
    for (let first = 0; first < batch.length; first += touchesPerTransaction) {
      if (first > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const chunk = batch.slice(first, first + touchesPerTransaction);
      await this.#engine.transaction(
        async (db) => {
          for (const [sessionId, at] of chunk) {
            // Never move last_seen_at backwards (a later touch may have been written already).
            await db.run("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?", [at, sessionId, at]);
          }
        },
        // A last-seen time lost in a power cut only shortens that session's idle allowance.
        { durable: false },
      );
    }
  }
}
