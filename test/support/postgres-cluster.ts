import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A PostgreSQL cluster created for one test run, on loopback only, removed when stopped. */
export interface ThrowawayPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

function findBinDir(): string | null {
  const fromPath = (() => {
    try {
      return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    } catch {
      return null;
    }
  })();
  const candidates = [fromPath, ...listVersions("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)];
  return (
    candidates.find((dir) => dir !== null && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"))) ??
    null
  );
}

function listVersions(root: string): string[] {
  return existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres | null> {
  const binDir = findBinDir();
  if (binDir === null) return null;
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-pg-"));
  const dataDir = join(dir, "data");
  // initdb refuses to run as root: run the server as the postgres system user then.
  const asRoot = process.getuid?.() === 0;
  const wrap = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), 0);
  const [initCommand, initArgs] = wrap(join(binDir, "initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
    "--locale=C",
  ]);
  execFileSync(initCommand, initArgs, { stdio: "ignore" });
  const port = await freePort();
  const [command, args] = wrap(join(binDir, "postgres"), [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-h",
    "127.0.0.1",
    "-k",
    dir,
    "-c",
    "fsync=off",
    "-c",
    "max_connections=200",
  ]);
  const server = spawn(command, args, { stdio: "ignore", detached: false });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url);
  const postmasterPid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url,
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown; the postmaster pid is the server itself, not the runuser wrapper.
      try {
        process.kill(postmasterPid, "SIGINT");
      } catch {}
      await new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        setTimeout(resolve, 10_000).unref();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error("PostgreSQL did not start within 30 s", { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
