import type Database from "better-sqlite3";
import type { SqlExecutor } from "../sql-engine.ts";

type Connection = InstanceType<typeof Database>;

interface QueuedTransaction {
  readonly fn: (tx: SqlExecutor) => Promise<unknown>;
  readonly durable: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** More than this many queued transactions are split over several commits. */
const maxGroupSize = 64;

/**
 * Group commit for SQLite's single writer. Transactions requested during one turn of the event loop are
 * run together at the end of it, inside one BEGIN ... COMMIT: one fsync for all of them instead of one
 * each. Each runs in its own SAVEPOINT, so a transaction that throws is rolled back alone and the others
 * still commit; each promise settles only after the COMMIT (or the failure) that decides it. Because
 * they run one after another on one connection, each sees the writes of those before it, exactly as if
 * they had been serialized: the audit chain, the superuser lock and every re-check hold as before.
 *
 * `exclusive` is the writer's mutex (other writes, checkpoints and close queue on it too).
 */
export interface GroupCommitter {
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, durable: boolean): Promise<T>;
  /** Resolves once every transaction queued so far has settled (before closing the connection). */
  settled(): Promise<void>;
}

export function groupCommitter(
  writer: Connection,
  executor: SqlExecutor,
  exclusive: (work: () => Promise<void>) => Promise<void>,
): GroupCommitter {
  const queued: QueuedTransaction[] = [];
  let scheduled = false;
  let lastGroup: Promise<void> = Promise.resolve();

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // At the end of this turn (the check phase), after every request that arrived with this one has had
    // its chance to join. runGroup settles every promise it takes, so its own failure is not reported.
    lastGroup = new Promise<void>((resolve) => {
      setImmediate(() => {
        exclusive(runGroup).then(resolve, resolve);
      });
    });
  }

  async function runGroup(): Promise<void> {
    scheduled = false;
    const group = queued.splice(0, maxGroupSize);
    if (queued.length > 0) schedule();
    if (group.length === 0) return;
    // A group commits durably if any of its transactions asked to (synchronous=FULL is the default).
    const durable = group.some((transaction) => transaction.durable);
    try {
      if (!durable) writer.pragma("synchronous = NORMAL");
      try {
        if (group.length === 1) await runAlone(group[0] as QueuedTransaction);
        else await runTogether(group);
      } finally {
        if (!durable) writer.pragma("synchronous = FULL");
      }
    } catch (error) {
      // A fault outside any one transaction (a SAVEPOINT or RELEASE that failed): nothing of the group may
      // commit, and the connection must not stay inside a transaction the next group cannot begin. Promises
      // already settled ignore the rejection; the rest fail with it.
      if (writer.inTransaction) writer.exec("ROLLBACK");
      for (const transaction of group) transaction.reject(error);
    }
  }

  async function runAlone(transaction: QueuedTransaction): Promise<void> {
    try {
      writer.exec("BEGIN IMMEDIATE");
      const value = await transaction.fn(executor);
      writer.exec("COMMIT");
      transaction.resolve(value);
    } catch (error) {
      if (writer.inTransaction) writer.exec("ROLLBACK");
      transaction.reject(error);
    }
  }

  async function runTogether(group: readonly QueuedTransaction[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      writer.exec("BEGIN IMMEDIATE");
    } catch (error) {
      // Another process held the database past busy_timeout: nothing ran, every one of them fails.
      for (const transaction of group) transaction.reject(error);
      return;
    }
    for (const [index, transaction] of group.entries()) {
      writer.exec("SAVEPOINT grouped");
      try {
        const value = await transaction.fn(executor);
        writer.exec("RELEASE grouped");
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!writer.inTransaction) {
          // SQLite rolled the whole transaction back (an I/O error, a full disk): nothing done so far in
          // this group committed. Those that had run fail with this error; those not yet run go first in
          // the next group.
          for (const done of group.slice(0, index)) done.reject(error);
          transaction.reject(error);
          queued.unshift(...group.slice(index + 1));
          if (queued.length > 0) schedule();
          return;
        }
        writer.exec("ROLLBACK TO grouped");
        writer.exec("RELEASE grouped");
        outcomes.push({ ok: false, error });
      }
    }
    try {
      writer.exec("COMMIT");
    } catch (error) {
      if (writer.inTransaction) writer.exec("ROLLBACK");
      for (const [index, transaction] of group.entries()) {
        const outcome = outcomes[index];
        transaction.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
      }
      return;
    }
    for (const [index, transaction] of group.entries()) {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) transaction.resolve(outcome.value);
      else transaction.reject(outcome.error);
    }
  }

  return {
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>, durable: boolean): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queued.push({ fn, durable, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      }),
    async settled() {
      for (;;) {
        const group = lastGroup;
        await group;
        if (group === lastGroup && !scheduled && queued.length === 0) return;
      }
    },
  };
}
