import { freePort } from "../test/support/ports.ts";
import { createBenchDatabase } from "./bench-database.ts";
import type { ChildServer } from "./child-server.ts";
import { type ServerMode, sessionCookieName, startGatehouse } from "./gatehouse.ts";
import { BenchClient } from "./http-client.ts";
import type { Measurement } from "./measurement.ts";
import type { EngineName, WorkloadName } from "./options.ts";
import type { BenchPostgres } from "./postgres.ts";
import { replayCookies } from "./replay.ts";
import { benchPassword, openSeeder, type SeededUser, type Seeder, type SeedSpec } from "./seed.ts";
import { type SignedIn, signIn } from "./sign-in.ts";
import { figureOf } from "./stats.ts";
import type { SuiteContext } from "./suite-context.ts";
import { openEndpoint, retireEndpoint, type SpareUsers, webhookServerEnv } from "./webhook-endpoint.ts";
import { BenchWebhookReceiver } from "./webhook-receiver.ts";
import { measureSessionChecks, type SessionCheckRuns, sessionCheckMeasurements } from "./workloads/session-checks.ts";
import { runLoginWorkload } from "./workloads/w2-login.ts";
import { type DeletionTarget, runDeletionWorkload } from "./workloads/w3-deletion.ts";
import {
  type BulkDeletionRun,
  bulkDeletionMeasurements,
  bulkDeletionWorkload,
  rateOf,
  runBulkDeletions,
} from "./workloads/w4-bulk-deletion.ts";
import { scaleMeasurements, timeBacklogSweep, timeSteadySweeps } from "./workloads/w5-scale.ts";
import { runVerifyWorkload } from "./workloads/w6-verify.ts";
import {
  deliveryMeasurements,
  deliveryTracker,
  endpointRatio,
  w1EndpointWorkload,
  w4EndpointWorkload,
} from "./workloads/with-endpoint.ts";

/**
 * Every workload on one engine, over one fresh database, in phases:
 *   A  10,000 users with one session each (and nothing else): W1, which is also W5's small store; then
 *      W1 (endpoint) on a server with a webhook endpoint registered (issue 14), retired afterwards.
 *   B  the same store, server with the password limits lifted: W2.
 *   C  users to delete are added: W3, then W4; then W4 (endpoint), likewise.
 *   D  sessions are added up to the W5 size: W1 again on a freshly started server.
 * Seeding happens while no server runs, and its time is reported apart.
 */
export async function runEngineSuite(
  engine: EngineName,
  context: SuiteContext,
  postgres: BenchPostgres | null,
): Promise<Measurement[]> {
  const { options } = context;
  const { sizes } = options;
  const wants = (...names: WorkloadName[]) => names.some((name) => options.workloads.includes(name));
  const measurements: Measurement[] = [];
  const database = await createBenchDatabase(engine, postgres);
  const withServer = async <T>(
    mode: ServerMode,
    work: (server: ChildServer) => Promise<T>,
    env: NodeJS.ProcessEnv = {},
  ): Promise<T> => {
    const server = await startGatehouse(database, mode, context.profileDir, env);
    try {
      return await work(server);
    } finally {
      await server.stop();
    }
  };
  /**
   * A production server able to deliver to loopback http, a webhook endpoint registered on it the real way
   * (bench/webhook-endpoint.ts) pointing at a receiver in this process, and the endpoint retired before the
   * server stops, so that every later workload runs without one.
   */
  const withEndpointServer = <T>(
    admin: SeededUser,
    spares: SpareUsers,
    work: (server: ChildServer, client: BenchClient, signedIn: SignedIn, receiver: BenchWebhookReceiver) => Promise<T>,
  ): Promise<T> =>
    withServer(
      "production",
      async (server) => {
        const receiver = await new BenchWebhookReceiver().start();
        const client = new BenchClient(server.url, sessionCookieName);
        try {
          const signedIn = await signIn(client, admin.email, benchPassword);
          const endpoint = await openEndpoint(context, client, signedIn, receiver, spares);
          const result = await work(server, client, signedIn, receiver);
          await retireEndpoint(context, client, signedIn, receiver, endpoint, spares);
          return result;
        } finally {
          client.close();
          await receiver.stop();
        }
      },
      webhookServerEnv,
    );
  /** Seeds through the store while no server runs; the time it took is reported, never counted as load. */
  const seed = async <T>(label: string, work: (seeder: Seeder) => Promise<T>): Promise<T> => {
    const startedAt = Date.now();
    const seeder = await openSeeder(database.config);
    try {
      const seeded = await work(seeder);
      const seconds = (Date.now() - startedAt) / 1000;
      context.log(`  seeded ${label} in ${seconds.toFixed(1)} s`);
      measurements.push({
        workload: "seeding (not load)",
        subject: engine,
        metric: label,
        unit: "s",
        figure: figureOf([seconds]),
        throughput: false,
        informational: true,
      });
      return seeded;
    } finally {
      await seeder.close();
    }
  };

  try {
    context.log(`${engine}: phase A (W1)`);
    const { sessionUsers, loginUsers, admin, verifyVictims, hookSpares } = await seed(
      `${sizes.sessionUsers.toLocaleString("en-US")} users with a session`,
      async (seeder) => ({
        sessionUsers: await seeder.users({
          prefix: "w1",
          count: sizes.sessionUsers,
          sessionsPerUser: 1,
          keepTokens: true,
        }),
        loginUsers: await seeder.users({
          prefix: "login",
          count: sizes.loginAccounts,
          sessionsPerUser: 0,
          keepTokens: false,
        }),
        admin: firstOf(
          await seeder.users({ prefix: "admin", count: 1, sessionsPerUser: 0, role: "superuser", keepTokens: false }),
        ),
        // W6: one user per measured run through nginx, deleted halfway through it.
        verifyVictims: wants("W6")
          ? await seeder.users({ prefix: "w6", count: options.runs, sessionsPerUser: 10, keepTokens: true })
          : [],
        // W1 (endpoint), W4 (endpoint): deleted to prove each endpoint live and to retire it.
        hookSpares: wants("W1", "W4")
          ? await seeder.users({ prefix: "hook-spare", count: 4, sessionsPerUser: 0, keepTokens: false })
          : [],
      }),
    );
    const tokens = sessionUsers.flatMap((user) => user.tokens);
    const smallStore = await database.countSessions();

    let small: SessionCheckRuns | null = null;
    if (wants("W1", "W5")) {
      small = await withServer("production", async (server) => {
        await assertAccepted(server, tokens.slice(0, 200));
        return measureSessionChecks(context, server, tokens);
      });
      if (wants("W1")) measurements.push(...sessionCheckMeasurements("W1 session check", engine, small, true));
    }
    if (wants("W1") && small !== null) {
      context.log(`${engine}: W1 (endpoint)`);
      const plain = small;
      const hooked = await withEndpointServer(admin, sparesOf(hookSpares, 0), (server) =>
        measureSessionChecks(context, server, tokens),
      );
      const rate = (runs: SessionCheckRuns) => figureOf(runs.runs.map((run) => run.okPerSec));
      measurements.push(
        ...sessionCheckMeasurements(w1EndpointWorkload, engine, hooked, false),
        endpointRatio(w1EndpointWorkload, engine, "session checks/s", rate(hooked), rate(plain)),
      );
    }

    if (wants("W6")) {
      context.log(`${engine}: W6`);
      const w1Rate = small === null ? null : figureOf(small.runs.map((run) => run.okPerSec));
      // nginx asks from 127.0.0.1: trusted to say which URL it asks about, as the documented set-up has it;
      // the app behind it is at nginx's own host:port, which ALLOWED_HOSTS names.
      const proxyPort = await freePort();
      const w6 = await withServer(
        "production",
        async (server) => {
          const client = new BenchClient(server.url, sessionCookieName);
          try {
            const signedIn = await signIn(client, admin.email, benchPassword);
            return await runVerifyWorkload(context, engine, {
              gatehouse: server,
              tokens,
              admin: signedIn,
              victims: verifyVictims,
              proxyPort,
              w1Rate,
            });
          } finally {
            client.close();
          }
        },
        { TRUST_PROXY: "127.0.0.1", ALLOWED_HOSTS: `127.0.0.1:${proxyPort}` },
      );
      measurements.push(...w6);
    }

    if (wants("W2")) {
      context.log(`${engine}: phase B (W2)`);
      const emails = loginUsers.map((user) => user.email);
      measurements.push(
        ...(await withServer("login-storm", (server) => runLoginWorkload(context, server, engine, emails, tokens))),
      );
    }

    if (wants("W3", "W4")) {
      context.log(`${engine}: phase C (W3, W4)`);
      const seeded = await seed("users to delete", async (seeder) => {
        const one = async (spec: SeedSpec) => firstOf(await seeder.users(spec));
        const warmup = await one({ prefix: "w3-warmup", count: 1, sessionsPerUser: 1, keepTokens: true });
        const deletionRuns: DeletionTarget[][] = [];
        const bulkRuns: BulkDeletionRun[] = [];
        const endpointBulkRuns: BulkDeletionRun[] = [];
        for (let run = 0; run < options.runs; run += 1) {
          const targets: DeletionTarget[] = [];
          for (const sessions of wants("W3") ? sizes.deletionSessions : []) {
            const spec = { prefix: `w3-${run}-${sessions}`, count: 1, sessionsPerUser: sessions, keepTokens: true };
            targets.push({ sessions, user: await one(spec) });
          }
          deletionRuns.push(targets);
          if (wants("W4")) {
            const batch = (prefix: string) =>
              seeder.users({ prefix, count: sizes.bulkDeletions, sessionsPerUser: 1, keepTokens: true });
            bulkRuns.push({ sequential: await batch(`w4s-${run}`), concurrent: await batch(`w4c-${run}`) });
            endpointBulkRuns.push({ sequential: await batch(`w4se-${run}`), concurrent: await batch(`w4ce-${run}`) });
          }
        }
        return { warmup, deletionRuns, bulkRuns, endpointBulkRuns };
      });
      const plainW4 = await withServer("production", async (server) => {
        const client = new BenchClient(server.url, sessionCookieName);
        try {
          const signedIn = await signIn(client, admin.email, benchPassword);
          if (wants("W3")) {
            context.log(`${engine}: W3`);
            measurements.push(
              ...(await runDeletionWorkload(context, client, signedIn, engine, seeded.warmup, seeded.deletionRuns)),
            );
          }
          if (!wants("W4")) return null;
          context.log(`${engine}: W4`);
          const results = await runBulkDeletions(context, server, client, signedIn, `W4 ${engine}`, seeded.bulkRuns);
          measurements.push(...bulkDeletionMeasurements(context, bulkDeletionWorkload, engine, results));
          return results;
        } finally {
          client.close();
        }
      });
      if (plainW4 !== null) {
        context.log(`${engine}: W4 (endpoint)`);
        const label = `W4 (endpoint) ${engine}`;
        const { hooked, batches } = await withEndpointServer(
          admin,
          sparesOf(hookSpares, 2),
          async (server, client, signedIn, receiver) => {
            const tracker = deliveryTracker(context, label, receiver);
            const results = await runBulkDeletions(
              context,
              server,
              client,
              signedIn,
              label,
              seeded.endpointBulkRuns,
              tracker.afterBatch,
            );
            return { hooked: results, batches: tracker.batches };
          },
        );
        const { bulkClients } = sizes;
        measurements.push(
          ...bulkDeletionMeasurements(context, w4EndpointWorkload, engine, hooked),
          endpointRatio(
            w4EndpointWorkload,
            engine,
            "sequential",
            rateOf(hooked.sequential),
            rateOf(plainW4.sequential),
          ),
          endpointRatio(
            w4EndpointWorkload,
            engine,
            `${bulkClients} clients`,
            rateOf(hooked.concurrent),
            rateOf(plainW4.concurrent),
          ),
          ...deliveryMeasurements(context, engine, batches),
        );
      }
    }

    if (wants("W5") && small !== null) {
      context.log(`${engine}: phase D (W5)`);
      const filler = Math.max(0, sizes.scaleSessions - (await database.countSessions()));
      const perUser = 100;
      await seed(`${filler.toLocaleString("en-US")} more sessions`, async (seeder) => {
        await seeder.users({
          prefix: "w5",
          count: Math.floor(filler / perUser),
          sessionsPerUser: perUser,
          keepTokens: false,
        });
        await seeder.users({ prefix: "w5-rest", count: 1, sessionsPerUser: filler % perUser, keepTokens: false });
      });
      const largeStore = await database.countSessions();
      const sizeMb = database.sizeMb();
      context.log(`  store: ${largeStore} sessions${sizeMb === null ? "" : `, ${sizeMb.toFixed(0)} MB on disk`}`);
      const steadyMs = await timeSteadySweeps(database.config, 3);
      const large = await withServer("production", (server) => measureSessionChecks(context, server, tokens));
      measurements.push(
        ...scaleMeasurements(
          engine,
          { sessions: smallStore, result: small },
          { sessions: largeStore, result: large },
          { steadyMs, backlog: await timeBacklogSweep(database.config) },
        ),
      );
    }
    return measurements;
  } finally {
    await database.drop();
  }
}

/** Two of the seeded spare users: one to prove an endpoint live, one to retire it. */
function sparesOf(spares: readonly SeededUser[], from: number): SpareUsers {
  const probe = spares[from];
  const retire = spares[from + 1];
  if (probe === undefined || retire === undefined) throw new Error("the webhook endpoint's spare users are missing");
  return { probe, retire };
}

function firstOf(users: readonly SeededUser[] | undefined): SeededUser {
  const user = users?.[0];
  if (user === undefined) throw new Error("a seeded target is missing");
  return user;
}

/** The seeded cookies must work before any figure about them means anything. */
async function assertAccepted(server: ChildServer, tokens: readonly string[]): Promise<void> {
  const client = new BenchClient(server.url, sessionCookieName);
  try {
    const replay = await replayCookies(client, tokens);
    if (replay.accepted !== tokens.length) {
      throw new Error(`only ${replay.accepted} of ${tokens.length} seeded cookies are accepted: the seed is broken`);
    }
  } finally {
    client.close();
  }
}
