import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import { type Config, parseConfig } from "../../src/config.ts";
import type { DenialLimits } from "../../src/domain/audit/denial-budget.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { PasswordHasher, Store } from "../../src/domain/ports.ts";
import type { SessionLifetimes } from "../../src/domain/sessions/session-record.ts";
import type { AppOptions, Limits } from "../../src/http/app-options.ts";
import { basePathOf } from "../../src/http/route-path.ts";
import type { RouteRegistry } from "../../src/http/route-policy.ts";
import { createArgon2Hasher } from "../../src/infra/argon2-hasher.ts";
import { appOptions, type DepsOverrides, openDeps, sessionLifetimes } from "../../src/server.ts";
import type { DatabaseLocation } from "../../src/store/open-store.ts";
import { createTestDatabase, type EngineName, type TestDatabase } from "./databases.ts";
import { HttpClient } from "./http-client.ts";
import { TestClock } from "./test-clock.ts";

/**
 * @module
 * The app under test, built the way production builds it: a configuration parsed from an environment by
 * the production parser (so every default is the shipped one), then the composition root (`openDeps`)
 * with the few overrides tests need: a clock they move, a cheap hasher, generous budgets, store options.
 */

/** The sender of a test app's mail. */
export const testMailFrom = "Gatehouse <gatehouse@example.test>";

/** Cheap argon2id for tests that create many accounts; the production parameters have their own test. */
export const fastHasher = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

/**
 * Production's configuration on the given database, with a fresh secret, and the fields a suite sets. No
 * variable of the developer's own environment leaks in, and nothing is written to a data directory.
 */
export function testConfig(database: DatabaseLocation, fields: Partial<Config> = {}): Config {
  const parsed = parseConfig({ GATEHOUSE_SECRET: randomBytes(32).toString("base64") });
  return { ...parsed, database, ...fields };
}

/** The session lifetimes of the default configuration, as the test app has them. */
export const testLifetimes: SessionLifetimes = sessionLifetimes(testConfig({ kind: "sqlite", path: ":memory:" }));

/** Refused on purpose many times, most suites are not about the denial budget: theirs is out of reach. */
const generousDenialLimits: DenialLimits = { perAccount: 1_000_000, perAddress: 1_000_000, windowMs: 60_000 };

export interface TestApp {
  readonly app: FastifyInstance;
  /** Every route as registered (the 405 routes too), as the app's own checks read them. */
  readonly registry: RouteRegistry;
  readonly deps: Deps;
  readonly store: Store;
  readonly clock: TestClock;
  readonly database: TestDatabase;
  readonly config: Config;
  readonly secret: Buffer;
  /** A new device; from 127.0.0.1 unless another address is given. */
  client(remoteAddress?: string): HttpClient;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly signupOpen?: boolean;
  readonly limits?: Partial<Limits>;
  readonly publicUrl?: string;
  /** ALLOWED_HOSTS as an operator writes it (parsed by the production parser); none unless given. */
  readonly allowedHosts?: string;
  /** COOKIE_DOMAIN; host-only unless given. */
  readonly cookieDomain?: string;
  readonly deletionGraceMs?: number;
  readonly logger?: AppOptions["logger"];
  readonly logRequests?: boolean;
  /** Defaults to the cheap argon2id of fastHasher. */
  readonly hasher?: PasswordHasher;
  readonly trustProxy?: Config["trustProxy"];
  readonly authzRules?: Config["authzRules"];
  /** Webhook delivery settings; the shipped defaults (https only, public addresses only) unless given. */
  readonly webhooks?: Config["webhooks"];
  /** Generous unless given: suites that are refused on purpose many times are not about the budget. */
  readonly denialLimits?: DenialLimits;
  /** SMTP_URL (and MAIL_FROM: `Gatehouse <gatehouse@example.test>`) through the production parser; no mail unless given. */
  readonly smtpUrl?: string;
}

export async function startTestApp(engine: EngineName, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(engine);
  // PUBLIC_URL, ALLOWED_HOSTS and COOKIE_DOMAIN through the production parser: its checks apply to suites too.
  const parsed = parseConfig({
    GATEHOUSE_SECRET: "unused-here-unused-here-unused-here",
    PUBLIC_URL: options.publicUrl ?? "http://127.0.0.1:3000",
    ALLOWED_HOSTS: options.allowedHosts ?? "",
    ...(options.cookieDomain === undefined ? {} : { COOKIE_DOMAIN: options.cookieDomain }),
    ...(options.smtpUrl === undefined ? {} : { SMTP_URL: options.smtpUrl, MAIL_FROM: testMailFrom }),
  });
  const config = testConfig(database.location, {
    publicUrl: parsed.publicUrl,
    allowedHosts: parsed.allowedHosts,
    cookieDomain: parsed.cookieDomain,
    signupOpen: options.signupOpen ?? true,
    deletionGraceMs: options.deletionGraceMs ?? 0,
    trustProxy: options.trustProxy ?? false,
    authzRules: options.authzRules ?? [],
    logRequests: options.logRequests ?? false,
    mail: parsed.mail,
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
  });
  const clock = new TestClock();
  const overrides: DepsOverrides = {
    clock,
    hasher: options.hasher ?? fastHasher,
    denialLimits: options.denialLimits ?? generousDenialLimits,
    // Many suites sign in on several devices at once; a touch lands before the test's next step.
    store: { poolSize: 20, touchFlushDelayMs: 0 },
  };
  const { deps, store } = await openDeps(config, overrides);
  const { app, registry } = await buildApp({
    deps,
    ...appOptions(config),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    // Generous limits so suites can sign many users in; the rate-limit tests set their own.
    limits: {
      passwordAttemptsPerIpPerMinute: 10_000,
      failuresPerAccount: 1_000,
      failuresPerAccountAllAddresses: 10_000,
      accountActsPerMinute: 10_000,
      accountActsPerAddressPerMinute: 10_000,
      ...options.limits,
    },
  });
  await app.ready();
  return {
    app,
    registry,
    deps,
    store,
    clock,
    database,
    config,
    secret: config.secret,
    client: (remoteAddress) => new HttpClient(app, remoteAddress, { basePath: basePathOf(config.publicUrl) }),
    async close() {
      await app.close();
      await deps.mailer?.close();
      await store.close();
      await database.drop();
    },
  };
}
