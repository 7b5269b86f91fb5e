import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.ts";
import type { Config } from "./config.ts";
import { noRequest } from "./domain/actor.ts";
import { createAuditSealer } from "./domain/audit/audit-chain.ts";
import { createAuditPseudonymizer } from "./domain/audit/audit-pseudonym.ts";
import { DenialBudget, type DenialLimits } from "./domain/audit/denial-budget.ts";
import { purgeDueUsers } from "./domain/deletion/delete-user.ts";
import type { Deps } from "./domain/deps.ts";
import { pruneOldEvents } from "./domain/events/event-feed.ts";
import { MailQueue } from "./domain/mail/mail-queue.ts";
import type { Clock, Mailer, PasswordHasher, Store } from "./domain/ports.ts";
import type { SessionLifetimes } from "./domain/sessions/session-record.ts";
import { sweepIdleSessions } from "./domain/sessions/session-sweep.ts";
import { sweepExpiredSignups } from "./domain/users/signup-verification.ts";
import { startDeliveryWorker, type WorkerSettings } from "./domain/webhooks/delivery-worker.ts";
import { pruneDeliveryLog } from "./domain/webhooks/webhook-log.ts";
import type { AppOptions } from "./http/app-options.ts";
import { createArgon2Hasher, owaspArgon2id } from "./infra/argon2-hasher.ts";
import { deriveKey } from "./infra/keys.ts";
import { createSmtpMailer } from "./infra/smtp-mailer.ts";
import { systemClock, systemRandom } from "./infra/system.ts";
import { createWebhookSender } from "./infra/webhook-sender.ts";
import { type ReconciledSettings, reconcileSharedSettings } from "./shared-settings.ts";
import { type OpenStoreOptions, openStore } from "./store/open-store.ts";

/**
 * What may stand in for production's own dependencies: the tests' clock, cheap hasher and budgets, and
 * store options. Everything not given here is exactly what production builds, so a test app differs from
 * the served one only where it says so.
 */
export interface DepsOverrides {
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  readonly denialLimits?: DenialLimits;
  readonly store?: OpenStoreOptions;
  /**
   * "enforce" (every process but one): a shared setting this environment sets otherwise than the database
   * stops it. "report": only reported (the `gatehouse settings` commands, which exist to resolve that).
   */
  readonly sharedSettings?: "enforce" | "report";
  /** The mail transport in place of the SMTP one (when SMTP_URL is set); tests use the real one. */
  readonly mailer?: Mailer;
}

/** One whole send (connect, greeting, exchange) is given this long before it counts as failed. */
const mailSendTimeoutMs = 30_000;

/**
 * The session lifetimes a configuration gives. Last-seen is written at most once a minute and at least ten
 * times per idle period: the idle limit counts from the last write, so it ends at most a tenth early.
 */
export function sessionLifetimes(
  config: Pick<Config, "sessionIdleMs" | "sessionAbsoluteMs" | "reauthWindowMs">,
): SessionLifetimes {
  return {
    idleMs: config.sessionIdleMs,
    absoluteMs: config.sessionAbsoluteMs,
    touchIntervalMs: Math.min(60_000, Math.floor(config.sessionIdleMs / 10)),
    reauthWindowMs: config.reauthWindowMs,
  };
}

/** The composition root: config -> store -> use-case dependencies -> app. */
export async function openDeps(given: Config, overrides: DepsOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const hasher = overrides.hasher ?? createArgon2Hasher(owaspArgon2id, given.passwordHashConcurrency ?? "auto");
  const auditSealer = createAuditSealer(deriveKey(given.secret, "audit"));
  const { store, migrations, emailBackfill } = await openStore(given.database, auditSealer, overrides.store);
  let shared: ReconciledSettings;
  try {
    shared = await reconcileSharedSettings(given, store, overrides.sharedSettings ?? "enforce", clock.now());
  } catch (error) {
    await store.close();
    throw error;
  }
  // The configuration this process acts with: the database's shared settings in place of the unset ones.
  const config = shared.config;
  const deps: Deps = {
    store,
    clock,
    random: systemRandom,
    hasher,
    lifetimes: sessionLifetimes(config),
    signupOpen: config.signupOpen,
    deletionGraceMs: config.deletionGraceMs,
    eventRetentionMs: config.eventRetentionMs,
    webhookAllowHttp: config.webhooks.allowHttp,
    webhookSender: createWebhookSender(config.webhooks),
    auditSealer,
    denials: new DenialBudget(clock, overrides.denialLimits),
    auditPseudonym: createAuditPseudonymizer(deriveKey(config.secret, "audit-pseudonym")),
    mailer:
      config.mail === null
        ? null
        : new MailQueue(
            overrides.mailer ??
              createSmtpMailer(config.mail.smtp, { from: config.mail.from, sendTimeoutMs: mailSendTimeoutMs }),
          ),
    publicUrl: config.publicUrl,
  };
  return { deps, store, migrations, emailBackfill, config, sharedDisagreements: shared.disagreements };
}

/** What the app takes from the configuration, for the served app and the tests' alike. */
export function appOptions(
  config: Config,
): Pick<
  AppOptions,
  "publicUrl" | "allowedHosts" | "cookieDomain" | "secret" | "trustProxy" | "authzRules" | "logRequests"
> {
  return {
    publicUrl: config.publicUrl,
    allowedHosts: config.allowedHosts,
    cookieDomain: config.cookieDomain,
    secret: config.secret,
    trustProxy: config.trustProxy,
    authzRules: config.authzRules,
    logRequests: config.logRequests,
  };
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly address: string;
  stop(): Promise<void>;
}

const sweepIntervalMs = 60_000;

/**
 * The webhook worker's pace: a round every 250 ms when idle (two plain reads, no write: the commit-to-delivery
 * latency when idle is about half of it), 20 deliveries at once, and a claim of twice the request timeout
 * plus 5 s. The sender's own timer bounds a whole attempt (DNS, connect, request and the answer's snippet:
 * infra/webhook-sender.ts), and a round's attempts run together and are recorded together, so a round ends
 * within one timeout of its claim; the second timeout and the 5 s cover what is not the exchange (the
 * commits, a busy event loop, clocks of instances that differ a little). A claim held by an instance that
 * died runs out after that and another instance (or the restarted one) sends the event again: short, so a
 * crash delays a user's deliveries by seconds, not minutes (test/http/webhook-faults.test.ts).
 */
export function workerSettings(config: Pick<Config, "webhooks">): WorkerSettings {
  return { pollMs: 250, batch: 20, claimMs: 2 * config.webhooks.timeoutMs + 5_000 };
}

/**
 * Session and API tokens live only in these headers: they never reach a log line. The request serializer
 * (http/redacted-url.ts) logs no header at all; these hold should anything log a request's headers.
 */
export const logRedactions = ["req.headers.cookie", "req.headers.authorization", "res.headers['set-cookie']"] as const;

export async function startServer(given: Config): Promise<RunningServer> {
  const { deps, store, migrations, emailBackfill, config } = await openDeps(given);
  const { app } = await buildApp({
    deps,
    ...appOptions(config),
    logger: {
      level: config.logLevel,
      redact: [...logRedactions],
    },
  });
  // A message that could not be sent: its kind and an error code, never its link nor its recipient.
  deps.mailer?.reportTo((failure) => app.log.error(failure, "mail not sent"));
  if (migrations.applied.length > 0) app.log.info({ applied: migrations.applied }, "database migrated");
  if (emailBackfill.filled > 0 || emailBackfill.rewritten > 0) {
    app.log.info(
      { filled: emailBackfill.filled, rewritten: emailBackfill.rewritten },
      "e-mail addresses given their normalized key and confusable skeleton",
    );
  }
  if (emailBackfill.lookAlikes.length > 0) {
    app.log.warn(
      { count: emailBackfill.lookAlikes.length, userIds: emailBackfill.lookAlikes },
      "accounts from before the look-alike check whose address looks like an earlier account's: review them",
    );
  }
  if (config.database.kind === "postgres" && config.secretSource === "file") {
    app.log.warn(
      "GATEHOUSE_SECRET is not set: this instance uses a secret from its own data directory. Instances sharing a database must share GATEHOUSE_SECRET.",
    );
  }
  if ((await store.countUsers()) === 0) {
    app.log.warn(
      "No accounts exist yet. Create the first superuser with: npx gatehouse create-superuser --email you@example.com",
    );
  }
  // Dead sessions are already refused by the session check; the sweeper only reclaims their rows.
  // The purge erases accounts whose deletion grace period has ended (they are disabled until then).
  // A sweep still running when the next is due (a huge backlog) is not doubled.
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepIdleSessions(deps)
      .then(() => purgeDueUsers(deps, noRequest))
      .then(async (purged) => {
        if (purged > 0) app.log.info({ purged }, "purged accounts past their deletion grace period");
        const pruned = await pruneOldEvents(deps);
        if (pruned > 0) app.log.info({ pruned }, "pruned events past their retention");
        const signups = await sweepExpiredSignups(deps);
        if (signups > 0) app.log.info({ signups }, "deleted sign-ups never verified within their lifetime");
        const deliveries = await pruneDeliveryLog(deps);
        if (deliveries > 0) app.log.info({ deliveries }, "pruned webhook deliveries of pruned events");
      })
      .catch((error: unknown) => app.log.error({ err: error }, "background sweep failed"))
      .finally(() => {
        sweeping = false;
      });
  }, sweepIntervalMs);
  sweeper.unref();
  // Webhook delivery: off the request path, its own timers; rows claimed, so instances share the work.
  const webhooks = startDeliveryWorker(deps, deps.webhookSender, workerSettings(config), (error) =>
    app.log.error({ err: error }, "webhook delivery round failed"),
  );
  const address = await app.listen({ port: config.port, host: config.host });
  return {
    app,
    store,
    address,
    async stop() {
      clearInterval(sweeper);
      await webhooks.stop();
      deps.webhookSender.close();
      await app.close();
      await deps.mailer?.close();
      await store.close();
    },
  };
}
