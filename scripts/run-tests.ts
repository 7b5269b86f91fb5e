/**
 * The test command (`npm test`). Starts a throwaway PostgreSQL cluster on a loopback port when the server
 * binaries exist (unless TEST_DATABASE_URL names one), runs every test file with node's test runner, then
 * stops the cluster by its postmaster pid and removes it. Arguments narrow the files: `npm test -- test/http`.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startThrowawayPostgres } from "../test/support/postgres-cluster.ts";

function testFiles(roots: string[]): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else if (path.endsWith(".test.ts")) {
      files.push(path);
    }
  };
  for (const root of roots) walk(root);
  return files;
}

const requested = process.argv.slice(2);
const files = testFiles(requested.length > 0 ? requested : ["src", "test"]);
const cluster = process.env.TEST_DATABASE_URL === undefined ? await startThrowawayPostgres() : null;
const env = { ...process.env };
if (cluster !== null) env.TEST_DATABASE_URL = cluster.url;
if (env.TEST_DATABASE_URL === undefined) {
  console.warn("\n*** PostgreSQL server binaries not found: the PostgreSQL half of the suite will be SKIPPED. ***\n");
}

const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--test", ...files], {
    env,
    stdio: "inherit",
  });
  child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 1)));
});
await cluster?.stop();
process.exit(code);
