import type { Config } from "../../src/config.ts";
import { sweepBatchSize, sweepIdleSessions } from "../../src/domain/sessions/session-sweep.ts";
import { openDeps } from "../../src/server.ts";
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
  sweeps: SweepTimes,
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
      metric: `idle sweep, nothing idle, ${label(large.sessions)} sessions`,
      unit: "ms",
      figure: figureOf(sweeps.steadyMs),
      throughput: false,
      informational: true,
    },
    ...(sweeps.backlog === undefined
      ? []
      : [
          {
            workload,
            subject,
            metric: `idle sweep of ${label(sweeps.backlog.sessions)} idle sessions: longest batch`,
            unit: "ms",
            figure: figureOf([sweeps.backlog.longestBatchMs]),
            throughput: false,
            informational: true,
          },
          {
            workload,
            subject,
            metric: `idle sweep of ${label(sweeps.backlog.sessions)} idle sessions: in all`,
            unit: "s",
            figure: figureOf([sweeps.backlog.totalMs / 1000]),
            throughput: false,
            informational: true,
          },
        ]),
  ];
}

export interface SweepTimes {
  /** The whole sweep with nothing idle: what the server does once a minute in a steady state. */
  readonly steadyMs: readonly number[];
  /** A backlog: every session idle at once (as after a long outage), swept batch by batch. */
  readonly backlog?: { readonly sessions: number; readonly totalMs: number; readonly longestBatchMs: number };
}

/**
 * Times the once-a-minute sweep (domain/sessions/session-sweep.ts) on the large store with nothing idle. On SQLite
 * it runs on the server's event loop, so this is how long every request waits once a minute; the W5 runs
 * are shorter than a minute from server start and would not otherwise show it.
 */
export async function timeSteadySweeps(config: Config, times: number): Promise<number[]> {
  const { deps, store } = await openDeps(config);
  try {
    const samples: number[] = [];
    for (let i = 0; i < times; i += 1) {
      const startedAt = process.hrtime.bigint();
      await sweepIdleSessions(deps);
      samples.push(Number(process.hrtime.bigint() - startedAt) / 1e6);
    }
    return samples;
  } finally {
    await store.close();
  }
}

/**
 * Sweeps the whole large store as if every session had gone idle (a clock one idle limit ahead): the
 * sweeper's batches one after another, each timed. The longest batch is the longest a request waits.
 * Destructive: run last.
 */
export async function timeBacklogSweep(config: Config): Promise<NonNullable<SweepTimes["backlog"]>> {
  const { deps, store } = await openDeps(config);
  try {
    const cutoff = deps.clock.now() + 5 * 60_000;
    let sessions = 0;
    let longestBatchMs = 0;
    const startedAt = process.hrtime.bigint();
    for (;;) {
      const batchStartedAt = process.hrtime.bigint();
      const deleted = await store.deleteIdleSessions(cutoff, sweepBatchSize);
      longestBatchMs = Math.max(longestBatchMs, Number(process.hrtime.bigint() - batchStartedAt) / 1e6);
      sessions += deleted;
      if (deleted < sweepBatchSize) break;
    }
    return { sessions, totalMs: Number(process.hrtime.bigint() - startedAt) / 1e6, longestBatchMs };
  } finally {
    await store.close();
  }
}
