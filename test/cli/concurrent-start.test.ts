import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { migrations } from "../../src/store/migrations.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

function migrate(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/gatehouse.js", "migrate"], {
      cwd: repoRoot,
      // No GATEHOUSE_SECRET: the processes also race to generate the secret file.
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

test("four processes starting at once on a new data directory share one secret, apply each migration once, and all succeed", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-concurrent-"));
  try {
    const runs = await Promise.all(Array.from({ length: 4 }, () => migrate(dataDir)));
    for (const run of runs) assert.equal(run.code, 0, run.output);
    // Each migration is its own transaction, so two processes may share the work: together they apply
    // every migration exactly once.
    const applied = runs.flatMap((run) =>
      (/Applied migrations ([\d, ]+);/.exec(run.output)?.[1] ?? "")
        .split(", ")
        .filter((v) => v !== "")
        .map(Number),
    );
    assert.deepEqual(
      applied.sort((a, b) => a - b),
      migrations.map((m) => m.version),
    );
    assert.deepEqual(
      readdirSync(dataDir).filter((name) => name.startsWith("secret")),
      ["secret"],
    );
    const db = new Database(join(dataDir, "gatehouse.sqlite"), { readonly: true });
    try {
      const rows = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
      assert.deepEqual(
        rows,
        migrations.map((m) => ({ version: m.version })),
      );
    } finally {
      db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
