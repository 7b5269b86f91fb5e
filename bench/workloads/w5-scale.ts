import type { Config } from "../../src/config.ts";
import { openDeps } from "../../src/main.ts";
import type { Measurement, Subject } from "../measurement.ts";
import { figureOf, ratioOf } from "../stats.ts";
import { targets } from "../targets.ts";
import type { SessionCheckRuns } from "./session-checks.ts";

const workload = "W5 scale";

/**
 * W5: the W1 measurement on a store of 10,000 sessions and again, on a freshly started server, on a store
 * of (by default) 1,000,000. The same 10,000 cookies rotate in both; the rest is other users' sessions.
 */
export function scaleMeasurements(
  subject: Subject,
  small: { readonly sessions: number; readonly result: SessionCheckRuns },
  large: { readonly sessions: number; readonly result: SessionCheckRuns },
  sweepMs: readonly number[],
): Measurement[] {
  const rate = (result: SessionCheckRuns) => figureOf(result.runs.map((run) => run.okPerSec));
  const label = (sessions: number) => sessions.toLocaleString("en-US");
  return [
    {
      workload,
      subject,
      metric: `session checks/s, ${label(small.sessions)} sessions`,
      unit: "req/s",
      figure: rate(small.result),
      throughput: true,
    },
    {
      workload,
      subject,
      metric: `session checks/s, ${label(large.sessions)} sessions`,
      unit: "req/s",
      figure: rate(large.result),
      throughput: true,
      details: { runs: large.result.runs, memory: large.result.memory, heap: large.result.heap },
    },
    {
      workload,
      subject,
      metric: "ratio large / small",
      unit: "x",
      figure: ratioOf(rate(large.result), rate(small.result)),
      throughput: false,
      target: targets.scaleRatio,
    },
    {
      workload,
      subject,
      metric: `p99 latency, ${label(large.sessions)} sessions`,
      unit: "ms",
      figure: figureOf(large.result.runs.map((run) => run.latencyMs.p99)),
      throughput: false,
    },
    {
      workload,
      subject,
      metric: `server RSS after, ${label(large.sessions)} sessions`,
      unit: "MB",
      figure: figureOf([large.result.memory?.rssMb ?? Number.NaN]),
      throughput: false,
    },
    {
      workload,
      subject,
      metric: `expiry sweep statement, ${label(large.sessions)} sessions`,
      unit: "ms",
      figure: figureOf(sweepMs),
      throughput: false,
      informational: true,
    },
  ];
}

/**
 * Times the statement the server's once-a-minute sweeper runs (startServer: deleteExpiredSessions), on
 * the large store with nothing expired. On SQLite it runs synchronously on the server's event loop, so
 * this is how long every request waits once a minute; the W5 runs are shorter than a minute from server
 * start and would not otherwise show it.
 */
export async function timeExpirySweep(config: Config, times: number): Promise<number[]> {
  const { deps, store } = await openDeps(config);
  try {
    const samples: number[] = [];
    for (let i = 0; i < times; i += 1) {
      const startedAt = process.hrtime.bigint();
      await store.transaction((tx) => tx.deleteExpiredSessions(deps.clock.now(), deps.lifetimes.idleMs));
      samples.push(Number(process.hrtime.bigint() - startedAt) / 1e6);
    }
    return samples;
  } finally {
    await store.close();
  }
}
