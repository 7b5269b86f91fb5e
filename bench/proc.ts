import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

/**
 * Readings from /proc (Linux). They say what limited a run: a server below 100% of a core while the
 * machine is saturated was starved, not slow. Each returns null where /proc is not there.
 */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface Memory {
  readonly rssMb: number;
  /** Peak RSS over the process's life (VmHWM). */
  readonly peakRssMb: number;
}

export function memoryOf(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by every process whose command line contains the marker: a PostgreSQL backend's
 * title names its database, so this is the CPU a server's own database connections used.
 */
export function cpuSecondsOfMatching(marker: string): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) continue;
    } catch {
      continue;
    }
    total += cpuSecondsOf(Number(entry)) ?? 0;
  }
  return total;
}

export interface MachineTicks {
  readonly busy: number;
  readonly total: number;
}

/** Whole-machine CPU time, all cores: busy is everything but idle and iowait. */
export function machineTicks(): MachineTicks | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export interface CpuShare {
  /** Percent of one core used by the server process during the run. */
  readonly serverPct: number | null;
  /** Percent of one core used by this (load-generating) process. */
  readonly loadGeneratorPct: number;
  /** Percent of all cores busy, whatever used them (the database server included). */
  readonly machineBusyPct: number | null;
  /** Percent of one core used by the server's database processes (PostgreSQL backends); 0 for SQLite. */
  readonly databasePct: number;
  /**
   * Percent of one core used by everything else (other processes, interrupts): the machine's busy time
   * less the server's, its database's and the load generator's. High means the run was disturbed.
   */
  readonly otherPct: number | null;
}

/** A process whose CPU is read, and the marker of its database processes when it has any. */
export interface CpuTarget {
  readonly pid: number;
  readonly databaseMarker: string | null;
}

/** Starts a CPU reading; the returned function ends it. */
export function startCpuReading(target: CpuTarget): () => CpuShare {
  const database = () => (target.databaseMarker === null ? 0 : cpuSecondsOfMatching(target.databaseMarker));
  const startedAt = process.hrtime.bigint();
  const server = cpuSecondsOf(target.pid);
  const databaseBefore = database();
  const own = process.cpuUsage();
  const machine = machineTicks();
  return () => {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const serverNow = cpuSecondsOf(target.pid);
    const databasePct = Math.max(0, ((database() - databaseBefore) / seconds) * 100);
    const ownUsed = process.cpuUsage(own);
    const machineNow = machineTicks();
    const serverPct = server === null || serverNow === null ? null : ((serverNow - server) / seconds) * 100;
    const loadGeneratorPct = ((ownUsed.user + ownUsed.system) / 1e6 / seconds) * 100;
    const machineBusyPct =
      machine === null || machineNow === null
        ? null
        : ((machineNow.busy - machine.busy) / Math.max(1, machineNow.total - machine.total)) * 100;
    const otherPct =
      machineBusyPct === null || serverPct === null
        ? null
        : Math.max(0, machineBusyPct * cpus().length - serverPct - loadGeneratorPct - databasePct);
    return { serverPct, loadGeneratorPct, machineBusyPct, databasePct, otherPct };
  };
}

/** Percent of all cores busy over the next `ms` milliseconds: is anything else running right now? */
export async function machineBusyOver(ms: number): Promise<number | null> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  if (before === null || after === null) return null;
  return ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100;
}
