import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "../../scripts/build.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `npm start` runs the compiled JavaScript with node alone: this builds it (inside the repository, so
 * that its imports find node_modules), starts `serve` from it on a free port, and checks what a user
 * gets first: health, the API's problem answers, a page with its stylesheet. Then a clean SIGTERM.
 */
describe("the compiled server (npm run build, then npm start)", () => {
  mkdirSync(join(repoRoot, "test-output"), { recursive: true });
  const workDir = mkdtempSync(join(repoRoot, "test-output", "compiled-"));
  let origin = "";
  let server: ReturnType<typeof spawn> | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);

  before(async () => {
    const out = build(join(workDir, "dist"));
    server = spawn(process.execPath, [join(out, "src/cli/main.js"), "serve"], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? "",
        DATA_DIR: join(workDir, "data"),
        PORT: "0",
        GATEHOUSE_SECRET: randomBytes(32).toString("base64"),
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const child = server;
    exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    origin = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`not listening after 30 s:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (listening?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(listening[1]);
        }
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      child.on("exit", (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
  });

  after(async () => {
    if (server?.exitCode === null) server.kill("SIGKILL");
    await exited;
    rmSync(workDir, { recursive: true, force: true });
  });

  test("it answers health, API and page requests", async () => {
    const health = await fetch(`${origin}/healthz`);
    assert.equal(health.status, 200);
    const session = await fetch(`${origin}/api/auth/session`);
    assert.equal(session.status, 401);
    assert.equal(session.headers.get("content-type"), "application/problem+json; charset=utf-8");
    assert.equal(((await session.json()) as { code: string }).code, "UNAUTHENTICATED");
    const page = await fetch(`${origin}/login`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /\/assets\/gatehouse\.css/);
    const stylesheet = await fetch(`${origin}/assets/gatehouse.css`);
    assert.equal(stylesheet.status, 200);
    assert.ok((await stylesheet.text()).length > 100, "the stylesheet was copied next to the compiled code");
  });

  test("SIGTERM stops it cleanly", async () => {
    server?.kill("SIGTERM");
    assert.equal(await exited, 0);
  });
});
