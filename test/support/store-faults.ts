import type { StoreTx } from "../../src/domain/ports.ts";
import type { TestApp } from "./app.ts";

/**
 * @module
 * Faults injected into the app's store the way a deadlock that outlives its retries, or a lost connection,
 * would strike: every transaction started from now on fails when it calls `verb`, however often it is run.
 */

/** Makes `verb` throw in every transaction of the app's store; returns the function that undoes it. */
export function failEveryTransactionAt(t: TestApp, verb: keyof StoreTx): () => void {
  const store = t.store as { transaction: TestApp["store"]["transaction"] };
  const original = t.store.transaction.bind(t.store);
  store.transaction = (fn, options) =>
    original(
      (tx) =>
        fn(
          new Proxy(tx, {
            get(target, property, receiver) {
              if (property === verb) {
                return async () => {
                  throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
                };
              }
              return Reflect.get(target, property, receiver) as unknown;
            },
          }) as StoreTx,
        ),
      options,
    );
  return () => {
    store.transaction = original;
  };
}
