import { type Algorithm, hash, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../domain/ports.ts";

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet, argon2id: 19 MiB of memory, 2 iterations, 1 lane. Hashing runs on
 * libuv's thread pool (the binding's async tasks), never on the event loop, so a login storm does not stall
 * the session checks of everybody else.
 */
export const owaspArgon2id: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function createArgon2Hasher(parameters: Argon2Parameters = owaspArgon2id): PasswordHasher {
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read, so its value is written out.
  const options = { algorithm: 2 as Algorithm, ...parameters };
  // Verifying against this when the account does not exist costs the same as a real verification.
  let dummyHash: Promise<string> | null = null;
  const dummy = () => {
    dummyHash ??= hash("gatehouse-no-such-account", options);
    return dummyHash;
  };
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        if (stored === null) {
          await verify(await dummy(), password);
          return false;
        }
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
  };
}
