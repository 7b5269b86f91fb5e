import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

/**
 * Issue 12 item 5: docs/integrate.md holds the exact proxy configurations the proxy tests run
 * (test/proxy/support/proxies.ts renders docs/proxy/*.template), each verbatim in a fenced block.
 */
const docs = new URL("../../docs/", import.meta.url);

test("docs/integrate.md embeds every proxy template the tests render, verbatim", () => {
  const page = readFileSync(new URL("integrate.md", docs), "utf8");
  const templates = readdirSync(new URL("proxy/", docs)).filter((name) => name.endsWith(".template"));
  assert.deepEqual(templates.sort(), [
    "Caddyfile.template",
    "gatehouse-answer.conf.template",
    "gatehouse-verify.conf.template",
    "nginx.conf.template",
  ]);
  for (const name of templates) {
    const text = readFileSync(new URL(`proxy/${name}`, docs), "utf8");
    assert.ok(page.includes(`\n${text}\`\`\``), `${name} is not in docs/integrate.md as it is`);
  }
});
