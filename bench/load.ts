import { createHistogram } from "node:perf_hooks";
import autocannon, { type Request, type Result } from "autocannon";
import { type CpuShare, type CpuTarget, startCpuReading } from "./proc.ts";

/** One request as the load generator sends it. */
export interface RequestShape {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  /** Called once per request sent, across all connections: returns the request to send next. */
  readonly next: () => RequestShape;
}

export interface LoadResult {
  readonly durationSec: number;
  /** 2xx responses only: a refused request is not a served one. */
  readonly okPerSec: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCounts: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

export interface LoadReport {
  readonly results: readonly LoadResult[];
  readonly cpu: CpuShare;
}

/** Extra seconds before a run that has not ended by itself is stopped: every load loop is bounded. */
const overrunSec = 20;

/**
 * Runs the given loads at the same time against a server process and reads its CPU meanwhile. Load is
 * closed-loop (each connection sends its next request when the previous answer arrives), as in the peer
 * figures the issue compares against.
 */
export async function runLoads(specs: readonly LoadSpec[], server: CpuTarget): Promise<LoadReport> {
  const endCpuReading = startCpuReading(server);
  const results = await Promise.all(specs.map(runOne));
  return { results, cpu: endCpuReading() };
}

export async function runLoad(spec: LoadSpec, server: CpuTarget): Promise<LoadResult & { cpu: CpuShare }> {
  const report = await runLoads([spec], server);
  return { ...(report.results[0] as LoadResult), cpu: report.cpu };
}

function runOne(spec: LoadSpec): Promise<LoadResult> {
  // autocannon's own latency histogram has 1 ms resolution; this one keeps microseconds, which a 5 ms
  // p99 target needs.
  const latencyUs = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });
  const request: Request = {
    setupRequest: () => {
      const shape = spec.next();
      return shape.body === undefined
        ? { method: shape.method, path: shape.path, headers: shape.headers }
        : { method: shape.method, path: shape.path, headers: shape.headers, body: shape.body };
    },
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.durationSec, timeout: 10, requests: [request] },
      (error, result) => {
        clearTimeout(guard);
        if (error !== null) reject(error);
        else resolve(toLoadResult(result, latencyUs));
      },
    );
    instance.on("response", (_client, _status, _bytes, ms) => {
      latencyUs.record(Math.max(1, Math.round(ms * 1000)));
    });
    const guard = setTimeout(() => instance.stop(), (spec.durationSec + overrunSec) * 1000);
  });
}

function toLoadResult(result: Result, latencyUs: ReturnType<typeof createHistogram>): LoadResult {
  const statusCounts: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statusCounts[status] = Number(count);
  const ms = (percentile: number) => (latencyUs.count === 0 ? Number.NaN : latencyUs.percentile(percentile) / 1000);
  return {
    durationSec: result.duration,
    okPerSec: result["2xx"] / result.duration,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    latencyMs: {
      p50: ms(50),
      p99: ms(99),
      p999: ms(99.9),
      max: latencyUs.count === 0 ? Number.NaN : latencyUs.max / 1000,
    },
  };
}
