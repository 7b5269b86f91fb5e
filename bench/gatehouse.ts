import { join } from "node:path";
import type { BenchDatabase } from "./bench-database.ts";
import { type ChildServer, startChildServer } from "./child-server.ts";
import { compiledEntry } from "./compiled.ts";

/** See server-entry.ts: production is startServer() itself; login-storm lifts the password rate limits. */
export type ServerMode = "production" | "login-storm";

const entry = compiledEntry(new URL("./server-entry.ts", import.meta.url));

/** The session cookie's name for an http:// public URL (src/http/session-cookie.ts). */
export const sessionCookieName = "gatehouse_session";

/** Starts Gatehouse in its own process over the given database; optionally under the CPU profiler. */
export function startGatehouse(
  database: BenchDatabase,
  mode: ServerMode,
  profileDir: string | null,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildServer> {
  // One directory per server start, and node's own file names (pid and thread id in them): the tsx loader
  // runs in a worker thread whose profile would otherwise overwrite the main thread's.
  const nodeFlags =
    profileDir === null
      ? []
      : ["--cpu-prof", "--cpu-prof-dir", join(profileDir, `${database.engine}-${mode}-${Date.now()}`)];
  return startChildServer(`gatehouse (${database.engine}, ${mode})`, entry, {
    env: { ...database.env, ...env },
    nodeFlags,
    args: [`--mode=${mode}`],
    databaseMarker: database.processMarker,
  });
}
