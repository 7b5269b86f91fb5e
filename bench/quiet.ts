import type { CpuShare } from "./proc.ts";
import { machineBusyOver } from "./proc.ts";
import type { SuiteContext } from "./suite-context.ts";

/**
 * The bench shares its two cores with whatever else runs on the machine. Before each measured run it
 * waits for the machine to be quiet (between runs nothing of the bench's own is busy), and a load run
 * during which other processes took a large share of a core is measured again. The rule is the same for
 * the baselines and for Gatehouse, so it favours neither; every attempt is counted in the JSON, and a
 * run that stays disturbed is kept and reported as a warning, never silently dropped.
 */
const quietBelowPct = 15;
const maxQuietWaitMs = 60_000;
/** Share of one core used by others during a run above which the run is measured again. */
export const disturbedAbovePct = 30;
const maxAttempts = 3;

export async function waitForQuiet(context: SuiteContext): Promise<void> {
  const deadline = Date.now() + maxQuietWaitMs;
  for (;;) {
    const busy = await machineBusyOver(1_000);
    if (busy === null || busy < quietBelowPct) return;
    if (Date.now() > deadline) {
      context.warn(`the machine stayed ${busy.toFixed(0)}% busy for ${maxQuietWaitMs / 1000} s before a run`);
      return;
    }
  }
}

export function isDisturbed(cpu: CpuShare): boolean {
  return (cpu.otherPct ?? 0) > disturbedAbovePct;
}

export type Attempted<T> = T & { readonly attempts: number; readonly disturbed: boolean };

export async function measureQuietly<T extends { readonly cpu: CpuShare }>(
  context: SuiteContext,
  label: string,
  run: () => Promise<T>,
): Promise<Attempted<T>> {
  for (let attempt = 1; ; attempt += 1) {
    await waitForQuiet(context);
    const result = await run();
    const other = result.cpu.otherPct?.toFixed(0);
    if (!isDisturbed(result.cpu)) return { ...result, attempts: attempt, disturbed: false };
    if (attempt >= maxAttempts) {
      context.warn(
        `${label}: other processes used ${other}% of a core in all ${maxAttempts} attempts; the last is kept`,
      );
      return { ...result, attempts: attempt, disturbed: true };
    }
    context.log(`  ${label}: discarded (other processes used ${other}% of a core), measuring again`);
  }
}
