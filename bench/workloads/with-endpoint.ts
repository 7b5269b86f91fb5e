import type { Measurement, Subject } from "../measurement.ts";
import type { SeededUser } from "../seed.ts";
import { type Figure, figureOf, percentileOf, ratioOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";
import { deletedArrivals, waitUntil } from "../webhook-endpoint.ts";
import type { BenchWebhookReceiver } from "../webhook-receiver.ts";
import type { AfterBatch, BatchResult } from "./w4-bulk-deletion.ts";

/**
 * @module
 * Issue 14's figures: W1 and W4 measured again, in the same bench run, on a server with a webhook endpoint
 * registered (bench/webhook-endpoint.ts), each beside its plain figure as a ratio (target >= 0.90), and for
 * W4 what the receiver saw: how many `user.deleted` deliveries arrived for the deletions made, and the
 * commit-to-delivery latency (the receiver's clock minus the event's `timestamp`, the act's time: both
 * clocks are this machine's).
 */
export const w1EndpointWorkload = "W1 (endpoint)";
export const w4EndpointWorkload = "W4 (endpoint)";

/** A batch's deliveries must all have arrived by then after its last deletion was answered. */
const drainTimeoutMs = 120_000;

/** The ratio of a figure with an endpoint to the same figure without one, judged against the 10% target. */
export function endpointRatio(
  workload: string,
  subject: Subject,
  what: string,
  withEndpoint: Figure,
  without: Figure,
): Measurement {
  return {
    workload,
    subject,
    metric: `${what}: with / without endpoint`,
    unit: "x",
    figure: ratioOf(withEndpoint, without),
    throughput: false,
    target: targets.endpointVsPlain,
  };
}

/** What the receiver saw of one W4 batch. */
export interface BatchDeliveries {
  readonly clients: number;
  readonly deletions: number;
  /** Distinct `user.deleted` webhook-ids for the batch's users, and arrivals beyond the first of an id. */
  readonly delivered: number;
  readonly duplicates: number;
  /** Every arrival about the batch's users, by event type (a deletion also ends the user's sessions). */
  readonly arrivalsByType: Readonly<Record<string, number>>;
  readonly drained: boolean;
  /** From the batch's last answer to the last of its deliveries (0 when they kept up). */
  readonly drainSec: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/**
 * The W4 hook: after each batch, waits (bounded) until every deletion's `user.deleted` has arrived, so the
 * next batch starts with no backlog, as the plain W4's batches do; then reads the batch's deliveries.
 */
export function deliveryTracker(
  context: SuiteContext,
  label: string,
  receiver: BenchWebhookReceiver,
): { readonly afterBatch: AfterBatch; readonly batches: BatchDeliveries[] } {
  const batches: BatchDeliveries[] = [];
  const afterBatch = async (users: readonly SeededUser[], result: BatchResult) => {
    const ids = users.map((user) => user.id);
    const drained = await waitUntil(
      () => deletedArrivals(receiver.arrivals, ids).size >= result.completed,
      drainTimeoutMs,
    );
    const first = [...deletedArrivals(receiver.arrivals, ids).values()];
    const wanted = new Set(ids);
    const arrivalsByType: Record<string, number> = {};
    for (const arrival of receiver.arrivals) {
      if (wanted.has(arrival.userId)) arrivalsByType[arrival.type] = (arrivalsByType[arrival.type] ?? 0) + 1;
    }
    const latencies = first.map((arrival) => arrival.receivedAt - arrival.occurredAt);
    const lastArrival = Math.max(result.answeredAt, ...first.map((arrival) => arrival.receivedAt));
    const batch: BatchDeliveries = {
      clients: result.clients,
      deletions: result.completed,
      delivered: first.length,
      duplicates: (arrivalsByType["user.deleted"] ?? 0) - first.length,
      arrivalsByType,
      drained,
      drainSec: (lastArrival - result.answeredAt) / 1000,
      latencyMs: {
        p50: percentileOf(latencies, 50),
        p99: percentileOf(latencies, 99),
        max: percentileOf(latencies, 100),
      },
    };
    context.log(
      `    deliveries: ${batch.delivered} user.deleted of ${batch.deletions} deletions (${batch.duplicates} repeated; all arrivals: ${JSON.stringify(arrivalsByType)}), drained ${batch.drainSec.toFixed(2)} s after the last answer; commit to delivery p50 ${batch.latencyMs.p50} ms, p99 ${batch.latencyMs.p99} ms`,
    );
    if (!drained) {
      context.warn(
        `${label}: only ${batch.delivered} of ${batch.deletions} user.deleted deliveries arrived within ${drainTimeoutMs / 1000} s`,
      );
    }
    if (receiver.malformed > 0) context.warn(`${label}: ${receiver.malformed} webhook requests were not events`);
    batches.push(batch);
  };
  return { afterBatch, batches };
}

export function deliveryMeasurements(
  context: SuiteContext,
  subject: Subject,
  batches: readonly BatchDeliveries[],
): Measurement[] {
  const { bulkClients } = context.options.sizes;
  const modes = [
    ["sequential", batches.filter((batch) => batch.clients === 1)],
    [`${bulkClients} clients`, batches.filter((batch) => batch.clients !== 1)],
  ] as const;
  const deletions = batches.reduce((sum, batch) => sum + batch.deletions, 0);
  const delivered = batches.reduce((sum, batch) => sum + batch.delivered, 0);
  const row = (metric: string, unit: string, samples: readonly number[], details?: unknown): Measurement => ({
    workload: w4EndpointWorkload,
    subject,
    metric,
    unit,
    figure: figureOf(samples),
    throughput: false,
    ...(details !== undefined && { details }),
  });
  return [
    {
      ...row(`user.deleted delivered (of ${deletions.toLocaleString("en-US")} deletions)`, "", [delivered], batches),
      // Every deletion's event, once drained: at least once, and here (no crash) exactly once.
      target: {
        text: `= ${deletions.toLocaleString("en-US")}`,
        compare: "equals",
        value: deletions,
        basis: "value",
        judge: "median",
      },
    },
    row("repeated deliveries (same webhook-id again)", "", [batches.reduce((sum, batch) => sum + batch.duplicates, 0)]),
    ...modes.flatMap(([mode, ofMode]) => [
      row(
        `commit to delivery p50, ${mode}`,
        "ms",
        ofMode.map((batch) => batch.latencyMs.p50),
      ),
      row(
        `commit to delivery p99, ${mode}`,
        "ms",
        ofMode.map((batch) => batch.latencyMs.p99),
      ),
      row(
        `drained after the last answer, ${mode}`,
        "s",
        ofMode.map((batch) => batch.drainSec),
      ),
    ]),
  ];
}
