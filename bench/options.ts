import { parseArgs } from "node:util";

export type EngineName = "sqlite" | "postgres";
export type WorkloadName = "W1" | "W2" | "W3" | "W4" | "W5" | "W6";

const allEngines: readonly EngineName[] = ["sqlite", "postgres"];
const allWorkloads: readonly WorkloadName[] = ["W1", "W2", "W3", "W4", "W5", "W6"];

/** How big each workload is. The full sizes are the issue's; --quick shrinks only what takes long to seed. */
export interface Sizes {
  /** W1: users each holding one session, whose cookies rotate. */
  readonly sessionUsers: number;
  /** W1/W2/W5: concurrent connections of the session-check load. */
  readonly connections: number;
  /** W2: connections of the login storm, and how many distinct accounts it signs in to. */
  readonly loginConnections: number;
  readonly loginAccounts: number;
  /** W3: sessions held by each deleted user. */
  readonly deletionSessions: readonly number[];
  /** W4: deletions per mode, and the concurrent clients of the concurrent mode. */
  readonly bulkDeletions: number;
  readonly bulkClients: number;
  /** W5: sessions in the store for the large run. */
  readonly scaleSessions: number;
}

export interface BenchOptions {
  readonly quick: boolean;
  readonly runs: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly engines: readonly EngineName[];
  readonly workloads: readonly WorkloadName[];
  /** Run every Gatehouse server child under --cpu-prof, writing profiles next to the JSON results. */
  readonly cpuProfile: boolean;
  readonly sizes: Sizes;
}

export const usage = `npm run bench -- [options]
  --quick              smoke test: 1 run of 3 s per workload, smaller W4/W5 stores
  --runs N             runs per figure (default 3; 1 with --quick)
  --duration S         seconds per load run (default 10; 3 with --quick)
  --warmup S           seconds of unmeasured load before the runs (default 3; 1 with --quick)
  --engines LIST       sqlite,postgres (default both; PostgreSQL is skipped when its binaries are missing)
  --workloads LIST     W1,W2,W3,W4,W5,W6 (default all)
  --scale-sessions N   sessions in the store for W5's large run (default 1000000; 100000 with --quick)
  --cpu-prof           profile the Gatehouse server processes (node --cpu-prof)`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      engines: { type: "string" },
      workloads: { type: "string" },
      "scale-sessions": { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const quick = values.quick;
  return {
    quick,
    runs: positiveInteger("--runs", values.runs, quick ? 1 : 3),
    durationSec: positiveInteger("--duration", values.duration, quick ? 3 : 10),
    warmupSec: positiveInteger("--warmup", values.warmup, quick ? 1 : 3),
    engines: listOf("--engines", values.engines, allEngines),
    workloads: listOf("--workloads", values.workloads, allWorkloads),
    cpuProfile: values["cpu-prof"],
    sizes: {
      sessionUsers: 10_000,
      connections: 50,
      loginConnections: 16,
      loginAccounts: 100,
      deletionSessions: [1, 100, 10_000],
      bulkDeletions: quick ? 200 : 1_000,
      bulkClients: 20,
      scaleSessions: positiveInteger("--scale-sessions", values["scale-sessions"], quick ? 100_000 : 1_000_000),
    },
  };
}

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

function listOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): readonly T[] {
  if (raw === undefined) return allowed;
  const items = raw.split(",").map((item) => item.trim());
  const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(", ")} (allowed: ${allowed.join(", ")})`);
  return allowed.filter((item) => items.includes(item));
}
