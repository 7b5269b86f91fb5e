import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { AdminAction } from "../../src/domain/admin/authz.ts";
import {
  issueApiToken,
  parseApiToken,
  type TokenChannel,
  type TokenScope,
  tokenGrant,
  tokenLifetimeDays,
  tokenNameMaxLength,
  tokenScopes,
} from "../../src/domain/tokens/api-token.ts";
import { scopesHeldBy } from "../../src/domain/tokens/token-admin.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { systemRandom } from "../../src/infra/system.ts";

/**
 * docs/tokens.md states what the code does: its scopes table is checked cell by cell against
 * src/domain/tokens/api-token.ts, and its figures (lifetimes, name length, throttle, the scanner pattern)
 * against the constants they describe. A change to either without the other fails here.
 */
const doc = readFileSync(new URL("../../docs/tokens.md", import.meta.url), "utf8");

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `docs/tokens.md has a "${title}" section`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

/** "`users.list`, `users.read`" -> the set; "none" -> the empty set. */
function actionsIn(cell: string): Set<string> {
  const trimmed = cell.trim();
  if (trimmed === "none") return new Set();
  return new Set(trimmed.split(",").map((item) => /^`([a-z.]+)`$/.exec(item.trim())?.[1] ?? `unparsed: ${item}`));
}

interface ScopeRow {
  readonly everywhere: Set<string>;
  readonly scimOnly: Set<string>;
}

function scopeRows(): Map<string, ScopeRow> {
  const rows = new Map<string, ScopeRow>();
  for (const line of section("Scopes").split("\n")) {
    const match = /^\| `([^`]+)` \|([^|]*)\|([^|]*)\|/.exec(line);
    if (match === null) continue;
    rows.set(match[1] as string, {
      everywhere: actionsIn(match[2] as string),
      scimOnly: actionsIn(match[3] as string),
    });
  }
  return rows;
}

function granted(scope: TokenScope, channel: TokenChannel): Set<AdminAction> {
  return new Set(tokenGrant({ id: "doc-test", scopes: [scope] }, channel).permissions);
}

test("the scopes table lists exactly the scopes the code accepts, in its order", () => {
  assert.deepEqual([...scopeRows().keys()], [...tokenScopes]);
});

test("each scope's row says which permissions it grants, and which only on the SCIM channel", () => {
  const rows = scopeRows();
  for (const scope of tokenScopes) {
    const row = rows.get(scope);
    assert.ok(row !== undefined, scope);
    const api = granted(scope, "api");
    const scimOnly = new Set([...granted(scope, "scim")].filter((action) => !api.has(action)));
    assert.deepEqual(row.everywhere, api, `${scope}: the permissions it grants`);
    assert.deepEqual(row.scimOnly, scimOnly, `${scope}: the permissions on /scim/v2 only`);
  }
});

test("no scope grants a token act, as the doc says", () => {
  assert.match(section("Scopes"), /No scope grants `tokens\.create`, `tokens\.read` or `tokens\.revoke`/);
  for (const scope of tokenScopes) {
    for (const channel of ["api", "scim"] as const) {
      for (const action of ["tokens.create", "tokens.read", "tokens.revoke"] as const) {
        assert.ok(!granted(scope, channel).has(action), `${scope} on ${channel} grants ${action}`);
      }
    }
  }
});

test("only admins and superusers can own a token of any scope, as the doc says", () => {
  assert.match(section("Scopes"), /only `admin` and `superuser` hold any permission/);
  assert.deepEqual(scopesHeldBy("user"), []);
  assert.deepEqual(scopesHeldBy("admin"), [...tokenScopes]);
  assert.deepEqual(scopesHeldBy("superuser"), [...tokenScopes]);
});

test("the documented lifetimes, name length and failure throttle are the code's", () => {
  const lifetimes = section("Lifetimes");
  assert.match(lifetimes, new RegExp(`\\*\\*${tokenLifetimeDays.default} days\\*\\*`));
  assert.match(lifetimes, new RegExp(`from 1 to \\*\\*${tokenLifetimeDays.max}\\*\\*`));
  assert.match(section("Format"), new RegExp(`is 1 to ${tokenNameMaxLength} characters`));
  assert.match(doc, new RegExp(`past \\*\\*${defaultLimits.failedTokensPerAddressPerMinute}\\s+in a minute\\*\\*`));
});

test("the secret-scanner pattern in the doc finds every token the code issues, and nothing shorter", () => {
  const pattern = /```\n(gatehouse_\[[^\n]+)\n```/.exec(section("Format"))?.[1];
  assert.equal(pattern, "gatehouse_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}");
  const scanner = new RegExp(`^${pattern}$`);
  for (let i = 0; i < 200; i += 1) {
    const { token } = issueApiToken(systemRandom);
    assert.match(token, scanner);
    assert.notEqual(parseApiToken(token), null);
    assert.doesNotMatch(token.slice(0, -1), scanner);
    assert.equal(parseApiToken(token.slice(0, -1)), null);
  }
});
