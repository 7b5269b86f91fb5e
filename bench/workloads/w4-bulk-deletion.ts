import { forEachLimited } from "../for-each-limited.ts";
import type { BenchClient } from "../http-client.ts";
import type { Measurement, Subject } from "../measurement.ts";
import { type CpuShare, type CpuTarget, startCpuReading } from "../proc.ts";
import { isDisturbed, waitForQuiet } from "../quiet.ts";
import { replayCookies } from "../replay.ts";
import type { SeededUser } from "../seed.ts";
import type { SignedIn } from "../sign-in.ts";
import { figureOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";
import { deleteUser } from "./w3-deletion.ts";

const workload = "W4 bulk deletion";

/** A batch that has not finished by then is cut short and reported as such: every loop is bounded. */
const batchDeadlineMs = 180_000;

interface BatchResult {
  readonly clients: number;
  readonly completed: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly cutShort: boolean;
  readonly acceptedAfter: number;
  readonly cpu: CpuShare;
}

async function deleteBatch(
  context: SuiteContext,
  server: CpuTarget,
  client: BenchClient,
  admin: SignedIn,
  users: readonly SeededUser[],
  clients: number,
): Promise<BatchResult> {
  let completed = 0;
  let failed = 0;
  let cutShort = false;
  await waitForQuiet(context);
  const endCpuReading = startCpuReading(server);
  const startedAt = process.hrtime.bigint();
  const deadline = Date.now() + batchDeadlineMs;
  await forEachLimited(users, clients, async (user) => {
    if (Date.now() > deadline) {
      cutShort = true;
      return;
    }
    const { answer } = await deleteUser(client, admin, user.id);
    if (answer.status === 200) completed += 1;
    else failed += 1;
  });
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const cpu = endCpuReading();
  const replay = await replayCookies(
    client,
    users.flatMap((user) => user.tokens),
  );
  return {
    clients,
    completed,
    failed,
    seconds,
    perSec: completed / seconds,
    cutShort,
    acceptedAfter: replay.accepted + replay.other,
    cpu,
  };
}

/**
 * W4: N deletions one after another (one client, each answered before the next is sent), then N from
 * concurrent clients. Each deletion is its own transaction, durable when answered on SQLite
 * (synchronous=FULL); the PostgreSQL figure is only as durable as the cluster's fsync setting.
 */
export async function runBulkDeletionWorkload(
  context: SuiteContext,
  server: CpuTarget,
  client: BenchClient,
  admin: SignedIn,
  subject: Subject,
  runs: readonly { readonly sequential: readonly SeededUser[]; readonly concurrent: readonly SeededUser[] }[],
): Promise<Measurement[]> {
  const { bulkClients } = context.options.sizes;
  const sequential: BatchResult[] = [];
  const concurrent: BatchResult[] = [];
  for (const [index, run] of runs.entries()) {
    for (const [results, users, clients] of [
      [sequential, run.sequential, 1],
      [concurrent, run.concurrent, bulkClients],
    ] as const) {
      const result = await deleteBatch(context, server, client, admin, users, clients);
      context.log(
        `  run ${index + 1}, ${clients} client(s): ${result.completed} deleted in ${result.seconds.toFixed(2)} s = ${result.perSec.toFixed(0)}/s, accepted after ${result.acceptedAfter}; CPU (of one core): server ${result.cpu.serverPct?.toFixed(0)}%, database ${result.cpu.databasePct.toFixed(0)}%, others ${result.cpu.otherPct?.toFixed(0)}%`,
      );
      // A batch cannot be measured again (its users are gone): a disturbed one is reported as such.
      if (isDisturbed(result.cpu)) {
        context.warn(
          `W4 ${subject}: other processes used ${result.cpu.otherPct?.toFixed(0)}% of a core during a batch`,
        );
      }
      if (result.failed > 0 || result.cutShort) {
        context.warn(`W4 ${subject}: ${result.failed} deletions failed, cut short: ${result.cutShort}`);
      }
      results.push(result);
    }
  }
  const count = context.options.sizes.bulkDeletions.toLocaleString("en-US");
  return [
    {
      workload,
      subject,
      metric: `${count} deletions, sequential`,
      unit: "/s",
      figure: figureOf(sequential.map((result) => result.perSec)),
      throughput: true,
      target: targets.sequentialDeletionRate,
      details: sequential,
    },
    {
      workload,
      subject,
      metric: `${count} deletions, ${bulkClients} clients`,
      unit: "/s",
      figure: figureOf(concurrent.map((result) => result.perSec)),
      throughput: true,
      target: targets.concurrentDeletionRate,
      details: concurrent,
    },
    {
      workload,
      subject,
      metric: "cookies accepted after",
      unit: "",
      figure: figureOf([...sequential, ...concurrent].map((result) => result.acceptedAfter)),
      throughput: false,
      target: targets.acceptedAfterDeletion,
    },
  ];
}
