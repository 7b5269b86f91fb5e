/**
 * The benchmark suite of issue 5: `npm run bench` (full) or `npm run bench -- --quick` (smoke test).
 * Baselines first (bare node:http, bare fastify), then every workload on SQLite and, where its binaries
 * exist, PostgreSQL. Progress goes to stderr; the machine, the command and the table go to stdout, and
 * everything (per-run details included) to bench/results/<timestamp>.json.
 */
import { fileURLToPath } from "node:url";
import { build } from "../scripts/build.ts";
import { compiledRoot } from "./compiled.ts";
import { runEngineSuite } from "./engine-suite.ts";
import { describeMachine, loadAverage, machineLines } from "./machine.ts";
import type { Measurement } from "./measurement.ts";
import { parseBenchOptions } from "./options.ts";
import { type BenchPostgres, startBenchPostgres } from "./postgres.ts";
import { machineBusyOver } from "./proc.ts";
import { renderTable, withRatios, writeJson } from "./report.ts";
import type { SuiteContext } from "./suite-context.ts";
import { measureBaselines } from "./workloads/baselines.ts";

const resultsDir = fileURLToPath(new URL("./results", import.meta.url));
const args = process.argv.slice(2);
const options = parseBenchOptions(args);
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
const command = `npm run bench${args.length === 0 ? "" : ` -- ${args.join(" ")}`}`;
const warnings: string[] = [];
const clock = () => `${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s`;
const context: SuiteContext = {
  options,
  profileDir: options.cpuProfile ? `${resultsDir}/profiles-${stamp}` : null,
  log: (message) => console.error(`[${clock()}] ${message}`),
  warn: (message) => {
    warnings.push(message);
    console.error(`[${clock()}] WARNING: ${message}`);
  },
};

// The servers run compiled, as `npm start` runs Gatehouse: build them from the working tree first.
context.log("compiling the servers (scripts/build.ts, tsconfig.bench-build.json)");
build(compiledRoot, "tsconfig.bench-build.json");

let postgres: BenchPostgres | null = null;
// Server children stop themselves when this process goes away; the PostgreSQL cluster is stopped here.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping PostgreSQL`);
    void (postgres?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

if (options.engines.includes("postgres")) {
  context.log("starting a throwaway PostgreSQL cluster");
  postgres = await startBenchPostgres();
  if (postgres === null) context.warn("PostgreSQL server binaries not found: the PostgreSQL runs are skipped");
}
const machine = describeMachine(postgres, await machineBusyOver(2_000));
for (const line of machineLines(machine)) context.log(line);
// Client and servers share this machine's cores: anything else running competes with both.
if ((machine.busyPctAtStart ?? 0) > 20) {
  context.warn(
    `the machine was ${machine.busyPctAtStart?.toFixed(0)}% busy before the bench started: other processes compete with the servers and the load generator, so these figures are not comparable`,
  );
}

const measurements: Measurement[] = [];
let failed = false;
try {
  measurements.push(...(await measureBaselines(context)));
  for (const engine of options.engines) {
    if (engine === "postgres" && postgres === null) continue;
    try {
      measurements.push(...(await runEngineSuite(engine, context, postgres)));
    } catch (error) {
      failed = true;
      context.warn(
        `${engine}: the suite stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
} finally {
  await postgres?.stop();
}

machine.loadAverageAtEnd = loadAverage();
const rows = withRatios(measurements);
const finishedAt = new Date();
const path = writeJson(resultsDir, stamp, {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  command,
  machine,
  options,
  rows,
  warnings,
});
const minutes = ((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1);
console.log(
  [
    "",
    `Gatehouse bench, ${startedAt.toISOString()} (${minutes} min)${options.quick ? " -- QUICK MODE: smoke test, not figures to quote" : ""}`,
    ...machineLines(machine),
    `runs:       median of ${options.runs} run(s) of ${options.durationSec} s after ${options.warmupSec} s warm-up; min and max beside it`,
    `reproduce:  ${command}`,
    "",
    renderTable(rows),
    "",
    ...(warnings.length === 0 ? [] : ["Warnings:", ...warnings.map((warning) => `  - ${warning}`), ""]),
    `JSON: ${path}`,
    ...(context.profileDir === null ? [] : [`CPU profiles: ${context.profileDir}`]),
  ].join("\n"),
);
process.exit(failed ? 1 : 0);
