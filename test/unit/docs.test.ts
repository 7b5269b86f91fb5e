import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configVariables, parseConfig } from "../../src/config.ts";
import { errorCodes } from "../../src/domain/errors.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

test("every problem code in the registry is documented in docs/errors.md", () => {
  const doc = read("docs/errors.md");
  for (const [code, { status }] of Object.entries(errorCodes)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} (${status}) is missing`);
  }
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
