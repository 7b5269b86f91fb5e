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

export const bulkDeletionWorkload = "W4 bulk deletion";

/** A batch that has not finished by then is cut short and reported as such: every loop is bounded. */
const batchDeadlineMs = 180_000;

export interface BatchResult {
  readonly clients: number;
  readonly completed: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSec: number;
  /** This process's clock when the batch's last deletion was answered (before the cookie replay). */
  readonly answeredAt: number;
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
  const answeredAt = Date.now();
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
    answeredAt,
    cutShort,
    acceptedAfter: replay.accepted + replay.other,
    cpu,
  };
}

export interface BulkDeletionRun {
  readonly sequential: readonly SeededUser[];
  readonly concurrent: readonly SeededUser[];
}

export interface BulkDeletionResults {
  readonly sequential: readonly BatchResult[];
  readonly concurrent: readonly BatchResult[];
}

/** Called after each batch (its cookies replayed), before the next one starts. */
export type AfterBatch = (users: readonly SeededUser[], result: BatchResult) => Promise<void>;

/**
 * W4: N deletions one after another (one client, each answered before the next is sent), then N from
 * concurrent clients. Each deletion is its own transaction, durable when answered on SQLite
 * (synchronous=FULL); the PostgreSQL figure is only as durable as the cluster's fsync setting.
 */
export async function runBulkDeletions(
  context: SuiteContext,
  server: CpuTarget,
  client: BenchClient,
  admin: SignedIn,
  label: string,
  runs: readonly BulkDeletionRun[],
  afterBatch?: AfterBatch,
): Promise<BulkDeletionResults> {
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
        context.warn(`${label}: other processes used ${result.cpu.otherPct?.toFixed(0)}% of a core during a batch`);
      }
      if (result.failed > 0 || result.cutShort) {
        context.warn(`${label}: ${result.failed} deletions failed, cut short: ${result.cutShort}`);
      }
      results.push(result);
      await afterBatch?.(users, result);
    }
  }
  return { sequential, concurrent };
}

export const rateOf = (results: readonly BatchResult[]) => figureOf(results.map((result) => result.perSec));

export function bulkDeletionMeasurements(
  context: SuiteContext,
  workload: string,
  subject: Subject,
  { sequential, concurrent }: BulkDeletionResults,
): Measurement[] {
  const { bulkClients, bulkDeletions } = context.options.sizes;
  const count = bulkDeletions.toLocaleString("en-US");
  return [
    {
      workload,
      subject,
      metric: `${count} deletions, sequential`,
      unit: "/s",
      figure: rateOf(sequential),
      throughput: true,
      target: targets.sequentialDeletionRate,
      details: sequential,
    },
    {
      workload,
      subject,
      metric: `${count} deletions, ${bulkClients} clients`,
      unit: "/s",
      figure: rateOf(concurrent),
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
