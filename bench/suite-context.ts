import type { BenchOptions } from "./options.ts";

/** What every workload gets from the runner. */
export interface SuiteContext {
  readonly options: BenchOptions;
  /** Where server CPU profiles go, when --cpu-prof asked for them. */
  readonly profileDir: string | null;
  /** Progress, to stderr: stdout carries the report. */
  log(message: string): void;
  /** Something that makes a figure suspect (non-2xx answers, a run cut short): repeated in the report. */
  warn(message: string): void;
}
