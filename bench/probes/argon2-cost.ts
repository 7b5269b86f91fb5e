/**
 * Probe for W2: what one production argon2id verification costs on this machine, and so the most logins
 * per second its cores can do, before any HTTP, SQL or session work.
 * Usage: node --import tsx bench/probes/argon2-cost.ts
 */
import { availableParallelism } from "node:os";
import { createArgon2Hasher, owaspArgon2id } from "../../src/infra/argon2-hasher.ts";

const hasher = createArgon2Hasher();
const password = "bench-correct-horse-battery-staple";
const hash = await hasher.hash(password);
const cores = availableParallelism();

async function timed(label: string, count: number, concurrency: number): Promise<number> {
  const startedAt = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        if (!(await hasher.verify(hash, password))) throw new Error("verification failed");
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  console.log(`${label}: ${count} verifications in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(1)}/s`);
  return seconds / count;
}

console.log(
  `argon2id m=${owaspArgon2id.memoryCost} KiB t=${owaspArgon2id.timeCost} p=${owaspArgon2id.parallelism}, ${cores} cores`,
);
await timed("warm-up", 10, 1);
const one = await timed("one at a time", 50, 1);
console.log(`  one verification: ${(one * 1000).toFixed(1)} ms of one core`);
await timed(`${cores} at a time`, 100, cores);
await timed("4 at a time (libuv's default thread pool)", 100, 4);
console.log(`  ceiling with every core hashing and nothing else running: ${(cores / one).toFixed(0)} logins/s`);
