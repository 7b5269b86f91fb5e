import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startTestApp, type TestApp } from "../support/app.ts";

/**
 * Issue 11: the document passes Spectral's OpenAPI rules and the OWASP API Security ruleset with no
 * errors (.spectral.yaml, where each rule switched off says why). Linted as production serves it: over
 * https, since an http server URL is itself an OWASP error.
 */

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
let t: TestApp;
let dir: string;
before(async () => {
  t = await startTestApp("sqlite", { publicUrl: "https://gatehouse.example" });
  dir = mkdtempSync(join(tmpdir(), "gatehouse-spectral-"));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SpectralResult {
  readonly code: string;
  readonly message: string;
  readonly severity: number;
  readonly path: readonly (string | number)[];
}

async function lint(documentText: string, name: string): Promise<{ results: SpectralResult[]; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, documentText);
  const spectral = join(root, "node_modules/.bin/spectral");
  // Exit code 1 means findings at or above --fail-severity; the JSON says which, so read it either way.
  const output = await run(spectral, ["lint", file, "--ruleset", join(root, ".spectral.yaml"), "-f", "json", "-q"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? "",
    stderr: error.stderr ?? "",
  }));
  return {
    results: JSON.parse(output.stdout === "" ? "[]" : output.stdout) as SpectralResult[],
    stderr: output.stderr,
  };
}

test("spectral with the OWASP API ruleset reports no errors", { timeout: 120_000 }, async () => {
  const response = await t.client().get("/api/openapi.json");
  const { results, stderr } = await lint(response.body, "openapi.json");
  const errors = results.filter((result) => result.severity === 0);
  const warnings = new Map<string, number>();
  for (const result of results.filter((r) => r.severity === 1))
    warnings.set(result.code, (warnings.get(result.code) ?? 0) + 1);
  console.log(`spectral: ${errors.length} errors, warnings by rule: ${JSON.stringify(Object.fromEntries(warnings))}`);
  assert.deepEqual(
    errors.map((error) => `${error.code} at ${error.path.join(".")}: ${error.message}`),
    [],
    stderr,
  );
});

test("the same lint finds what it is there for: an http server, an unbounded string", {
  timeout: 120_000,
}, async () => {
  const document = (await t.client().get("/api/openapi.json")).json() as {
    servers: { url: string }[];
    components: { schemas: { User: { properties: { email: { maxLength?: number } } } } };
  };
  document.servers = [{ url: "http://gatehouse.example" }];
  delete document.components.schemas.User.properties.email.maxLength;
  const { results } = await lint(JSON.stringify(document), "broken.json");
  const codes = new Set(results.filter((result) => result.severity === 0).map((result) => result.code));
  assert.ok(codes.has("owasp:api8:2023-no-server-http"), [...codes].join(", "));
  assert.ok(codes.has("owasp:api4:2023-string-limit"), [...codes].join(", "));
});
