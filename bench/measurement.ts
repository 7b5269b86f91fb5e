import type { Figure } from "./stats.ts";

/** What a figure was measured on: one of the two baselines, or Gatehouse on one engine. */
export type Subject = "node:http" | "fastify" | "sqlite" | "postgres";

/**
 * A target from the issue. `basis: "vsNodeHttp"` compares the figure's ratio to the node:http baseline
 * measured in the same run; otherwise the figure itself.
 */
export interface Target {
  readonly text: string;
  readonly compare: "atLeast" | "below" | "equals";
  readonly value: number;
  readonly basis: "value" | "vsNodeHttp";
  /** Which of the figure's numbers is judged: the median, or the worst run (e.g. "0 in every run"). */
  readonly judge: "median" | "max";
}

export interface Measurement {
  readonly workload: string;
  readonly subject: Subject;
  readonly metric: string;
  readonly unit: string;
  readonly figure: Figure;
  /** Throughputs are also given as ratios to both baselines. */
  readonly throughput: boolean;
  readonly target?: Target;
  /** Reported, never counted as load (e.g. seeding time). */
  readonly informational?: boolean;
  /** Per-run raw data (status counts, CPU shares, ...), kept in the JSON only. */
  readonly details?: unknown;
}

export function judge(target: Target, figure: Figure, vsNodeHttp: number | null): boolean | null {
  const raw = target.judge === "max" ? figure.max : figure.median;
  const value = target.basis === "vsNodeHttp" ? vsNodeHttp : raw;
  if (value === null || Number.isNaN(value)) return null;
  if (target.compare === "atLeast") return value >= target.value;
  if (target.compare === "below") return value < target.value;
  return value === target.value;
}
