import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Config, configVariables, parseConfig } from "../src/config.ts";
import type { EngineName } from "./options.ts";
import type { BenchPostgres } from "./postgres.ts";

/**
 * A fresh Gatehouse database for one engine, plus the environment its server process is started with.
 * The bench seeds through the same config (parseConfig over that environment) the server reads.
 */
export interface BenchDatabase {
  readonly engine: EngineName;
  readonly env: NodeJS.ProcessEnv;
  readonly config: Config;
  /** For PostgreSQL, the database name, which every backend serving it shows in its process title. */
  readonly processMarker: string | null;
  /** Diagnostics read outside the store: how many sessions the store holds, and its size on disk. */
  countSessions(): Promise<number>;
  sizeMb(): number | null;
  drop(): Promise<void>;
}

export async function createBenchDatabase(engine: EngineName, postgres: BenchPostgres | null): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-bench-${engine}-`));
  const sqlitePath = join(dataDir, "gatehouse.sqlite");
  const pgName = `gatehouse_bench_${process.pid}_${Date.now().toString(36)}`;
  let databaseUrl = sqlitePath;
  if (engine === "postgres") {
    if (postgres === null) throw new Error("PostgreSQL is not available");
    databaseUrl = await postgres.createDatabase(pgName);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // None of the caller's configuration may leak into the bench's.
  for (const name of configVariables) delete env[name];
  Object.assign(env, {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    // A fixed port (not 0) so that the public URL, and with it the origin CSRF checks compare, is real.
    PORT: String(await freePort()),
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    GATEHOUSE_SECRET: randomBytes(48).toString("base64"),
    // Erase at once: the deletion workloads measure the erasure, not the scheduling of one.
    DELETION_GRACE_DAYS: "0",
  });
  const config = parseConfig(env);
  return {
    engine,
    env,
    config,
    processMarker: engine === "postgres" ? pgName : null,
    async countSessions() {
      if (engine === "postgres" && postgres !== null) {
        const [row] = await postgres.query<{ n: string }>(databaseUrl, "SELECT COUNT(*) AS n FROM sessions");
        return Number(row?.n ?? 0);
      }
      const db = new Database(sqlitePath, { readonly: true });
      try {
        return Number(db.prepare("SELECT COUNT(*) AS n FROM sessions").pluck().get());
      } finally {
        db.close();
      }
    },
    sizeMb() {
      if (engine !== "sqlite") return null;
      const size = (path: string) => {
        try {
          return statSync(path).size;
        } catch {
          return 0;
        }
      };
      return (size(sqlitePath) + size(`${sqlitePath}-wal`)) / 1_048_576;
    },
    async drop() {
      if (engine === "postgres") await postgres?.dropDatabase(pgName);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}
