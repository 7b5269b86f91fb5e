import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { configVariables, parseConfig } from "../../src/config.ts";
import { errorCodes } from "../../src/domain/errors.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

test("every problem code in the registry is documented in docs/errors.md", () => {
  const doc = read("docs/errors.md");
  for (const [code, { status }] of Object.entries(errorCodes)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} (${status}) is missing`);
  }
});

/**
 * Names in src/ that look like problem codes (UPPER_SNAKE) but are not ones: each says what it is instead.
 * Any other such name is taken for a code something prints, and must be in the registry.
 */
const notProblemCodes = new Set([
  ...configVariables, // environment variables: documented in docs/configuration.md (test below)
  "MAX_SAFE_INTEGER", // Number's constants
  "MIN_SAFE_INTEGER",
  "POSITIVE_INFINITY",
  "STATUS_CODES", // node:http's reason phrases
  "HPE_HEADER_OVERFLOW", // Node.js's own error codes, read from errors the HTTP server raises
  "ERR_HTTP_REQUEST_TIMEOUT",
  "UV_THREADPOOL_SIZE", // libuv's environment variable
  "BROWSER_MAP", // bowser's tables of the names it knows (web/device-name.ts)
  "OS_MAP",
]);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("issue 10.3: every problem code anything in src/ prints (API, pages, CLI) is a registry key documented in docs/errors.md", () => {
  const doc = read("docs/errors.md");
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const unregistered: string[] = [];
  // The store's SQL has no codes in it; its keywords (CURRENT_TIMESTAMP and the like) would only be noise.
  for (const file of sourceFiles(src).filter((path) => !relative(src, path).startsWith("store/"))) {
    for (const [name] of readFileSync(file, "utf8").matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) {
      if (notProblemCodes.has(name)) continue;
      if (!Object.hasOwn(errorCodes, name)) unregistered.push(`${name} (${relative(src, file)})`);
      else assert.match(doc, new RegExp(`\\| \`${name}\` \\|`), `${name} is printed but not in docs/errors.md`);
    }
  }
  assert.deepEqual([...new Set(unregistered)], [], "codes printed in src/ but missing from the registry");
});

test("the documented session lifetimes are the configured defaults and within NIST SP 800-63B-4 AAL2", () => {
  const doc = read("docs/configuration.md");
  const config = parseConfig({ GATEHOUSE_SECRET: "x".repeat(32) });
  assert.equal(config.sessionIdleMs, 30 * 60_000);
  assert.equal(config.sessionAbsoluteMs, 12 * 3_600_000);
  assert.match(doc, /\*\*12 hours overall, 30 minutes of inactivity\*\*/);
  assert.ok(config.sessionIdleMs <= 3_600_000, "idle timeout must be at most 1 h");
  assert.ok(config.sessionAbsoluteMs <= 24 * 3_600_000, "absolute timeout must be at most 24 h");
  for (const variable of ["SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS", "REAUTH_WINDOW_MINUTES"]) {
    assert.match(doc, new RegExp(variable));
  }
});

test("every environment variable the configuration reads is documented in docs/configuration.md and the README", () => {
  for (const path of ["docs/configuration.md", "README.md"]) {
    const doc = read(path);
    for (const variable of configVariables)
      assert.match(doc, new RegExp(`^\\|[^|\\n]*\`${variable}\``, "m"), `${variable} in ${path}`);
  }
});
