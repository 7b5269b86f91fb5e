import type { Target } from "./measurement.ts";

/** The targets (issue 5, "Targets"), judged on SQLite; PostgreSQL is judged against them for information. */
export const targets = {
  sessionCheckRate: {
    text: ">= 50% of node:http",
    compare: "atLeast",
    value: 0.5,
    basis: "vsNodeHttp",
    judge: "median",
  },
  sessionCheckP99: { text: "< 5 ms", compare: "below", value: 5, basis: "value", judge: "median" },
  sessionCheckRss: { text: "< 150 MB", compare: "below", value: 150, basis: "value", judge: "median" },
  loginRate: { text: ">= 150/s", compare: "atLeast", value: 150, basis: "value", judge: "median" },
  sessionCheckP99DuringLogins: { text: "< 20 ms", compare: "below", value: 20, basis: "value", judge: "median" },
  deletionOf10kSessionsMs: { text: "< 25 ms", compare: "below", value: 25, basis: "value", judge: "median" },
  acceptedAfterDeletion: { text: "0 in every run", compare: "equals", value: 0, basis: "value", judge: "max" },
  sequentialDeletionRate: { text: ">= 500/s", compare: "atLeast", value: 500, basis: "value", judge: "median" },
  concurrentDeletionRate: { text: ">= 1,000/s", compare: "atLeast", value: 1000, basis: "value", judge: "median" },
  verifyVsSessionCheck: { text: ">= 1.0 (W1's rate)", compare: "atLeast", value: 1, basis: "value", judge: "median" },
  verifyProxiedVsBare: { text: ">= 0.8", compare: "atLeast", value: 0.8, basis: "value", judge: "median" },
  // Issue 14: an endpoint configured slows neither the session check nor a deletion by more than 10%.
  endpointVsPlain: { text: ">= 0.90", compare: "atLeast", value: 0.9, basis: "value", judge: "median" },
  scaleRatio: { text: ">= 0.90", compare: "atLeast", value: 0.9, basis: "value", judge: "median" },
} as const satisfies Record<string, Target>;
