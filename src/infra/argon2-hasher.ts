import { availableParallelism } from "node:os";
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import pLimit from "p-limit";
import type { PasswordHasher } from "../domain/ports.ts";
import { adaptToEventLoop } from "./event-loop-aware-limit.ts";

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, argon2id: 19 MiB of memory, 2 iterations, 1 lane. */
export const owaspArgon2id: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * How many hashes run at once. A number fixes it. "auto" (the default) adapts to the event loop: all cores
 * but one while it serves requests, so a login storm never takes the core the session checks run on
 * (W2 measures their latency during a storm: bench/README.md), and every core while it
 * is mostly idle, so logins alone still use the whole machine.
 */
export type HashConcurrency = number | "auto";

export interface Argon2Hasher extends PasswordHasher {
  /** Hashes running now and waiting for a turn. */
  load(): { readonly running: number; readonly waiting: number };
}

/**
 * Hashing runs on libuv's thread pool (the binding's async tasks), never on the event loop, and at most
 * `concurrency` hashes run at once (see HashConcurrency): the thread pool alone would run four, taking
 * every core from the event loop during a login storm. The cap is here rather than in UV_THREADPOOL_SIZE, which also bounds file and
 * DNS work. Waiting logins queue in arrival order; the per-address and per-account throttles bound the
 * queue each client can make.
 */
export function createArgon2Hasher(
  parameters: Argon2Parameters = owaspArgon2id,
  concurrency: HashConcurrency = "auto",
): Argon2Hasher {
  const limit = pLimit(typeof concurrency === "number" ? concurrency : 1);
  if (concurrency === "auto") {
    const cores = availableParallelism();
    adaptToEventLoop(limit, { whenBusy: Math.max(1, cores - 1), whenIdle: cores });
  }
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read, so its value is written out.
  const options = { algorithm: 2 as Algorithm, ...parameters };
  // Verifying against this when the account does not exist costs the same as a real verification.
  let dummyHash: Promise<string> | null = null;
  const dummy = () => {
    dummyHash ??= limit(() => hash("gatehouse-no-such-account", options));
    return dummyHash;
  };
  return {
    hash: (password) => limit(() => hash(password, options)),
    async verify(stored, password) {
      try {
        // Anything that is not an argon2 hash (the no-password sentinel, domain/users/user.ts) is no password:
        // the same work as for a missing account, and false.
        if (stored === null || !stored.startsWith("$argon2")) {
          const dummyStored = await dummy();
          await limit(() => verify(dummyStored, password));
          return false;
        }
        return await limit(() => verify(stored, password));
      } catch {
        return false;
      }
    },
    load: () => ({ running: limit.activeCount, waiting: limit.pendingCount }),
  };
}
