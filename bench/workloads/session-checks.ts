import type { ChildServer } from "../child-server.ts";
import { sessionCookieName } from "../gatehouse.ts";
import { type LoadResult, type RequestShape, runLoad } from "../load.ts";
import type { Measurement, Subject } from "../measurement.ts";
import type { CpuShare, Memory } from "../proc.ts";
import { type Attempted, measureQuietly } from "../quiet.ts";
import { figureOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";

/**
 * The W1 load: GET /api/auth/session, every request carrying the next session cookie in turn, so the
 * server cannot answer from whatever it looked up for the previous request. The baselines get exactly
 * the same requests (and ignore the cookie), so the load generator does the same work for all three.
 */
export function rotatingSessionChecks(tokens: readonly string[]): () => RequestShape {
  let next = 0;
  return () => {
    const token = tokens[next % tokens.length] as string;
    next += 1;
    return { method: "GET", path: "/api/auth/session", headers: { cookie: `${sessionCookieName}=${token}` } };
  };
}

export type MeasuredRun = Attempted<LoadResult & { readonly cpu: CpuShare }>;

export interface SessionCheckRuns {
  readonly runs: readonly MeasuredRun[];
  /** The server's memory after the runs: RSS from /proc, and how much of it is V8's heap. */
  readonly memory: Memory | null;
  readonly heap: NodeJS.MemoryUsage | null;
}

export async function measureSessionChecks(
  context: SuiteContext,
  server: ChildServer,
  tokens: readonly string[],
): Promise<SessionCheckRuns> {
  const { options } = context;
  const spec = (durationSec: number) => ({
    url: server.url,
    connections: options.sizes.connections,
    durationSec,
    next: rotatingSessionChecks(tokens),
  });
  // Unmeasured: lets the JIT compile the hot path and the caches fill, for every server alike.
  await runLoad(spec(options.warmupSec), server);
  const runs: MeasuredRun[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const result = await measureQuietly(context, `${server.name} run ${run}`, () =>
      runLoad(spec(options.durationSec), server),
    );
    context.log(`  ${server.name} run ${run}: ${describeRun(result)}`);
    if (result.non2xx > 0 || result.errors > 0) {
      context.warn(`${server.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors in a W1 run`);
    }
    runs.push(result);
  }
  const memory = server.memory();
  const heap = await server.heap();
  const mb = (bytes: number | undefined) => (bytes === undefined ? "n/a" : `${(bytes / 1_048_576).toFixed(0)} MB`);
  context.log(
    `  ${server.name} memory: RSS ${memory?.rssMb.toFixed(0)} MB (peak ${memory?.peakRssMb.toFixed(0)} MB), V8 heap used ${mb(heap?.heapUsed)} of ${mb(heap?.heapTotal)}, external ${mb(heap?.external)}`,
  );
  return { runs, memory, heap };
}

export function sessionCheckMeasurements(
  workload: string,
  subject: Subject,
  result: SessionCheckRuns,
  withTargets: boolean,
): Measurement[] {
  const details = result.runs.map((run) => ({
    durationSec: run.durationSec,
    ok: run.ok,
    non2xx: run.non2xx,
    errors: run.errors,
    statusCounts: run.statusCounts,
    latencyMs: run.latencyMs,
    cpu: run.cpu,
    attempts: run.attempts,
    disturbed: run.disturbed,
  }));
  const rss = result.memory?.rssMb ?? Number.NaN;
  return [
    {
      workload,
      subject,
      metric: "session checks/s",
      unit: "req/s",
      figure: figureOf(result.runs.map((run) => run.okPerSec)),
      throughput: true,
      details: { runs: details, memory: result.memory, heap: result.heap },
      ...(withTargets && { target: targets.sessionCheckRate }),
    },
    {
      workload,
      subject,
      metric: "p50 latency",
      unit: "ms",
      figure: figureOf(result.runs.map((run) => run.latencyMs.p50)),
      throughput: false,
    },
    {
      workload,
      subject,
      metric: "p99 latency",
      unit: "ms",
      figure: figureOf(result.runs.map((run) => run.latencyMs.p99)),
      throughput: false,
      ...(withTargets && { target: targets.sessionCheckP99 }),
    },
    {
      workload,
      subject,
      metric: "server RSS after",
      unit: "MB",
      figure: figureOf([rss]),
      throughput: false,
      ...(withTargets && { target: targets.sessionCheckRss }),
    },
  ];
}

export function describeRun(result: LoadResult & { readonly cpu: CpuShare }): string {
  const { cpu, latencyMs } = result;
  const database = cpu.databasePct > 0 ? `, database ${percent(cpu.databasePct)}` : "";
  return `${Math.round(result.okPerSec)}/s, p50 ${latencyMs.p50.toFixed(2)} ms, p99 ${latencyMs.p99.toFixed(2)} ms; CPU (of one core): server ${percent(cpu.serverPct)}${database}, load generator ${percent(cpu.loadGeneratorPct)}, others ${percent(cpu.otherPct)}`;
}

function percent(value: number | null): string {
  return value === null ? "n/a" : `${value.toFixed(0)}%`;
}
