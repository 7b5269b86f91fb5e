import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import { createAuditSealer } from "../../src/domain/audit.ts";
import { createAuditPseudonymizer } from "../../src/domain/audit-pseudonym.ts";
import type { Deps } from "../../src/domain/context.ts";
import { DenialBudget, type DenialLimits } from "../../src/domain/denial-budget.ts";
import type { PasswordHasher, Store } from "../../src/domain/ports.ts";
import type { SessionLifetimes } from "../../src/domain/session.ts";
import type { AppOptions, Limits } from "../../src/http/app-options.ts";
import { createArgon2Hasher } from "../../src/infra/argon2-hasher.ts";
import { deriveKey } from "../../src/infra/keys.ts";
import { systemRandom } from "../../src/infra/system.ts";
import { openStore } from "../../src/store/open-store.ts";
import { createTestDatabase, type EngineName, type TestDatabase } from "./databases.ts";
import { HttpClient } from "./http-client.ts";
import { TestClock } from "./test-clock.ts";

/** Cheap argon2id for tests that create many accounts; the production parameters have their own test. */
export const fastHasher = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export const testLifetimes: SessionLifetimes = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3_600_000,
  touchIntervalMs: 60_000,
  reauthWindowMs: 15 * 60_000,
};

export interface TestApp {
  readonly app: FastifyInstance;
  readonly deps: Deps;
  readonly store: Store;
  readonly clock: TestClock;
  readonly database: TestDatabase;
  readonly secret: Buffer;
  /** A new device; from 127.0.0.1 unless another address is given. */
  client(remoteAddress?: string): HttpClient;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly signupOpen?: boolean;
  readonly limits?: Partial<Limits>;
  readonly publicUrl?: string;
  readonly lifetimes?: Partial<SessionLifetimes>;
  readonly deletionGraceMs?: number;
  readonly logger?: AppOptions["logger"];
  readonly logRequests?: boolean;
  /** Defaults to the cheap argon2id of fastHasher. */
  readonly hasher?: PasswordHasher;
  readonly trustProxy?: AppOptions["trustProxy"];
  /** Generous unless given: suites that are refused on purpose many times are not about the budget. */
  readonly denialLimits?: DenialLimits;
}

export async function startTestApp(engine: EngineName, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(engine);
  const secret = randomBytes(32);
  const auditSealer = createAuditSealer(deriveKey(secret, "audit"));
  const { store } = await openStore(database.location, auditSealer, {
    poolSize: 20,
    touchFlushDelayMs: 0,
  });
  const clock = new TestClock();
  const deps: Deps = {
    store,
    clock,
    random: systemRandom,
    hasher: options.hasher ?? fastHasher,
    lifetimes: { ...testLifetimes, ...options.lifetimes },
    signupOpen: options.signupOpen ?? true,
    deletionGraceMs: options.deletionGraceMs ?? 0,
    auditSealer,
    denials: new DenialBudget(
      clock,
      options.denialLimits ?? { perAccount: 1_000_000, perAddress: 1_000_000, windowMs: 60_000 },
    ),
    auditPseudonym: createAuditPseudonymizer(deriveKey(secret, "audit-pseudonym")),
  };
  const { app } = await buildApp({
    deps,
    publicUrl: new URL(options.publicUrl ?? "http://127.0.0.1:3000"),
    secret,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.logRequests === undefined ? {} : { logRequests: options.logRequests }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    // Generous limits so suites can sign many users in; the rate-limit tests set their own.
    limits: {
      passwordAttemptsPerIpPerMinute: 10_000,
      failuresPerAccount: 1_000,
      failuresPerAccountAllAddresses: 10_000,
      accountActsPerMinute: 10_000,
      ...options.limits,
    },
  });
  await app.ready();
  return {
    app,
    deps,
    store,
    clock,
    database,
    secret,
    client: (remoteAddress) => new HttpClient(app, remoteAddress),
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}
