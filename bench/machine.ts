import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg, release, totalmem } from "node:os";
import Database from "better-sqlite3";
import type { BenchPostgres } from "./postgres.ts";

/** Where the figures were measured: they mean nothing without it. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGb: number;
  readonly loadAverageAtStart: readonly number[];
  /** All cores, measured for 2 s before the first server starts: the bench's own load is not in it. */
  readonly busyPctAtStart: number | null;
  /** Filled in when the run ends: load that was not the bench's own makes its figures suspect. */
  loadAverageAtEnd: readonly number[] | null;
  readonly uvThreadpoolSize: string;
  readonly sqlite: string;
  readonly autocannon: string;
  /** The code measured: the commit, and whether the working tree had changes on top of it. */
  readonly code: string;
  readonly postgres: { readonly version: string; readonly settings: Readonly<Record<string, string>> } | null;
}

export function describeMachine(postgres: BenchPostgres | null, busyPctAtStart: number | null): Machine {
  const db = new Database(":memory:");
  const sqlite = String(db.prepare("SELECT sqlite_version()").pluck().get());
  db.close();
  const require = createRequire(import.meta.url);
  const { version: autocannon } = require("autocannon/package.json") as { version: string };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadAverage(),
    busyPctAtStart,
    loadAverageAtEnd: null,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? "4 (default)",
    sqlite,
    autocannon,
    code: describeCode(),
    postgres: postgres === null ? null : { version: postgres.version, settings: postgres.settings },
  };
}

function describeCode(): string {
  try {
    const git = (args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = git(["rev-parse", "--short", "HEAD"]);
    const dirty = git(["status", "--porcelain", "--", "src"]) !== "";
    return `${commit}${dirty ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}

export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

export function machineLines(machine: Machine): string[] {
  const pg =
    machine.postgres === null
      ? "not available (skipped)"
      : `${machine.postgres.version} (${Object.entries(machine.postgres.settings)
          .map(([name, value]) => `${name}=${value}`)
          .join(", ")})`;
  return [
    `machine:    ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}`,
    `load avg:   ${machine.loadAverageAtStart.join(" ")} at start${machine.loadAverageAtEnd === null ? "" : `, ${machine.loadAverageAtEnd.join(" ")} at end`} (1, 5, 15 min); CPU busy before the first server started: ${machine.busyPctAtStart === null ? "n/a" : `${machine.busyPctAtStart.toFixed(0)}%`}`,
    `code:       ${machine.code}`,
    `node:       ${machine.node}, UV_THREADPOOL_SIZE ${machine.uvThreadpoolSize}`,
    `load:       autocannon ${machine.autocannon}, in the bench process, on the same machine (loopback)`,
    `sqlite:     ${machine.sqlite}`,
    `postgresql: ${pg}`,
  ];
}
