import type { Config } from "../src/config.ts";
import type { Deps } from "../src/domain/deps.ts";
import type { Store } from "../src/domain/ports.ts";
import type { SessionRecord } from "../src/domain/sessions/session-record.ts";
import { issueSessionToken } from "../src/domain/sessions/session-token.ts";
import { normalizeEmail } from "../src/domain/users/email.ts";
import type { Role } from "../src/domain/users/role.ts";
import type { UserRecord } from "../src/domain/users/user.ts";
import { systemRandom } from "../src/infra/system.ts";
import { openDeps } from "../src/server.ts";
import { forEachLimited } from "./for-each-limited.ts";

/** Every seeded account has this password, so W2 and the admin sign-in can log in as any of them. */
export const benchPassword = "bench-correct-horse-battery-staple";

/** A browser-sized user agent, so seeded session rows are as wide as real ones. */
const userAgent =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export interface SeedSpec {
  /** Accounts are `<prefix>-<n>@bench.example`. */
  readonly prefix: string;
  readonly count: number;
  readonly sessionsPerUser: number;
  readonly role?: Role;
  /** Keep the session tokens (the cookies) in memory; off for filler rows nobody will present. */
  readonly keepTokens: boolean;
}

export interface SeededUser {
  readonly id: string;
  readonly email: string;
  readonly tokens: readonly string[];
}

export interface Seeder {
  users(spec: SeedSpec): Promise<SeededUser[]>;
  close(): Promise<void>;
}

/** Rows per transaction: large transactions make seeding fast (one commit, one fsync, per batch). */
const rowsPerTransaction = 10_000;

/**
 * Seeds accounts and sessions straight through the store, bypassing HTTP and hashing: one production
 * argon2id hash (of benchPassword) is shared by every account, and tokens are minted exactly as login
 * mints them, so the bench holds every cookie. Seeding time is reported apart and never measured as load.
 */
export async function openSeeder(config: Config): Promise<Seeder> {
  const { deps, store } = await openDeps(config);
  const passwordHash = await deps.hasher.hash(benchPassword);
  // PostgreSQL takes several transactions at once from the pool; SQLite has one writer, so more would
  // only queue behind each other.
  const parallelTransactions = store.engine === "postgres" ? 4 : 1;
  return {
    async users(spec) {
      const users: SeededUser[] = [];
      const perTransaction = Math.max(1, Math.floor(rowsPerTransaction / (1 + spec.sessionsPerUser)));
      const batches: number[][] = [];
      for (let first = 0; first < spec.count; first += perTransaction) {
        batches.push(range(first, Math.min(spec.count, first + perTransaction)));
      }
      await forEachLimited(batches, parallelTransactions, async (batch) => {
        const seeded = await insertBatch(store, deps, spec, passwordHash, batch);
        users.push(...seeded);
      });
      return users;
    },
    close: () => store.close(),
  };
}

function insertBatch(
  store: Store,
  deps: Deps,
  spec: SeedSpec,
  passwordHash: string,
  indexes: readonly number[],
): Promise<SeededUser[]> {
  return store.transaction(async (tx) => {
    const seeded: SeededUser[] = [];
    for (const index of indexes) {
      const now = deps.clock.now();
      const email = `${spec.prefix}-${index}@bench.example`;
      const user: UserRecord = {
        id: deps.random.uuid(),
        email,
        name: `Bench ${spec.prefix} ${index}`,
        role: spec.role ?? "user",
        status: "active",
        passwordHash,
        createdAt: now,
        updatedAt: now,
        purgeAfter: null,
      };
      if (!(await tx.insertUser(user, normalizeEmail(email)))) throw new Error(`seed: ${email} already exists`);
      const tokens: string[] = [];
      for (let n = 0; n < spec.sessionsPerUser; n += 1) {
        const issued = issueSessionToken(systemRandom);
        await tx.insertSession(sessionRow(deps, user.id, issued.sessionId, issued.secretHash, now));
        if (spec.keepTokens) tokens.push(issued.token);
      }
      seeded.push({ id: user.id, email, tokens });
    }
    return seeded;
  });
}

/**
 * last_seen_at is spread uniformly over the last touch interval. Sessions that were all seen at the same
 * instant would all come due for their last-seen write in the same second, a burst no real population
 * makes; spread out, the session check pays the steady production rate of one touch per session per
 * interval.
 */
function sessionRow(deps: Deps, userId: string, id: string, secretHash: string, now: number): SessionRecord {
  const lastSeenAt = now - Math.floor(Math.random() * deps.lifetimes.touchIntervalMs);
  return {
    id,
    userId,
    secretHash,
    createdAt: lastSeenAt,
    lastSeenAt,
    authenticatedAt: lastSeenAt,
    expiresAt: lastSeenAt + deps.lifetimes.absoluteMs,
    ip: "127.0.0.1",
    userAgent,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
