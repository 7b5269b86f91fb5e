import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Machine } from "./machine.ts";
import { judge, type Measurement } from "./measurement.ts";
import type { BenchOptions } from "./options.ts";

export interface ReportRow extends Measurement {
  /** Median throughput over the same-run baseline's median; null where it is not a throughput. */
  readonly vsNodeHttp: number | null;
  readonly vsFastify: number | null;
  /** true met, false missed, null no target (or not judgeable). */
  readonly met: boolean | null;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly rows: readonly ReportRow[];
  readonly warnings: readonly string[];
}

const baselineMetric = "session checks/s";

export function withRatios(measurements: readonly Measurement[]): ReportRow[] {
  const baseline = (subject: string) =>
    measurements.find((m) => m.workload === "baseline" && m.subject === subject && m.metric === baselineMetric)?.figure
      .median ?? null;
  const nodeHttp = baseline("node:http");
  const fastify = baseline("fastify");
  return measurements.map((measurement) => {
    const ratio = (base: number | null) =>
      measurement.throughput && base !== null && base > 0 ? measurement.figure.median / base : null;
    const vsNodeHttp = ratio(nodeHttp);
    return {
      ...measurement,
      vsNodeHttp,
      vsFastify: ratio(fastify),
      met: measurement.target === undefined ? null : judge(measurement.target, measurement.figure, vsNodeHttp),
    };
  });
}

export function writeJson(directory: string, stamp: string, report: BenchReport): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/** A Markdown table: readable in a terminal, and pasted as is into bench/README.md. */
export function renderTable(rows: readonly ReportRow[]): string {
  const header = [
    "workload",
    "on",
    "metric",
    "median",
    "min",
    "max",
    "unit",
    "vs node:http",
    "vs fastify",
    "target",
    "result",
  ];
  const lines = rows.map((row) => [
    row.workload,
    row.subject,
    row.metric,
    number(row.figure.median),
    row.figure.samples.length === 1 ? "" : number(row.figure.min),
    row.figure.samples.length === 1 ? "" : number(row.figure.max),
    row.unit,
    percent(row.vsNodeHttp),
    percent(row.vsFastify),
    row.target?.text ?? "",
    verdict(row),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? "").length)),
  );
  const numeric = new Set([3, 4, 5, 7, 8]);
  const render = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((width, column) => (numeric.has(column) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`;
  return [render(header), rule, ...lines.map(render)].join("\n");
}

/** The issue's targets are set for SQLite; PostgreSQL's verdicts are shown in parentheses, for information. */
function verdict(row: ReportRow): string {
  if (row.met === null) return row.target === undefined ? "" : "n/a";
  const word = row.met ? "met" : "MISSED";
  return row.subject === "postgres" ? `(${word.toLowerCase()})` : word;
}

function number(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 10) return value.toFixed(1);
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2);
}

function percent(ratio: number | null): string {
  if (ratio === null || Number.isNaN(ratio)) return "";
  const value = ratio * 100;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}%`;
}
