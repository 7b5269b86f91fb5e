import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { verifyAuditLog } from "../../src/domain/audit/audit-log.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { Store } from "../../src/domain/ports.ts";
import { auditInput } from "../store/store-fixtures.ts";
import { createSignedInUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { rawQuery } from "../support/raw-database.ts";

/**
 * Issue 9, item 5 (verification half): the audit page does not walk the whole chain on every view, and a
 * verification neither holds the event loop for its whole length nor runs once per concurrent caller.
 */

/** The store, counting how often the chain is read from its start. */
function countingChainReads(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === "readAuditChain") reads += 1;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

const cli = { type: "cli" } as const;

for (const engine of engines) {
  describe(`verifying the audit log on demand (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("issue 9.5: viewing /admin/audit does not verify the chain; ?verify=1 does and names each broken entry", async () => {
      const root = await createSignedInUser(t, "superuser");
      const user = await createSignedInUser(t);
      for (let i = 0; i < 5; i += 1) assertProblem(await user.device.get("/api/audit"), 403, "FORBIDDEN");
      const chain = await wholeAudit(t);
      const [first, second] = [chain[1], chain.at(-2)];
      assert.ok(first !== undefined && second !== undefined);
      await rawQuery(t.database, "UPDATE audit_log SET at = at + 1 WHERE seq IN (?, ?)", [first.seq, second.seq]);
      try {
        const view = await root.device.get("/admin/audit");
        assert.equal(view.statusCode, 200);
        assert.doesNotMatch(view.body, /fails verification|The chain is verified/, "a page view verifies nothing");
        assert.match(view.body, /href="\/admin\/audit\?verify=1"/, "it offers verification");

        const verified = await root.device.get("/admin/audit?verify=1");
        assert.equal(verified.statusCode, 200);
        assert.match(verified.body, /The audit log fails verification/);
        for (const seq of [first.seq, second.seq]) {
          assert.match(verified.body, new RegExp(`<li>Entry ${seq}: the entry was altered`), `entry ${seq} is listed`);
        }
        assert.match(verified.body, /2 broken entries/);
      } finally {
        await rawQuery(t.database, "UPDATE audit_log SET at = at - 1 WHERE seq IN (?, ?)", [first.seq, second.seq]);
      }
      const healed = await root.device.get("/admin/audit?verify=1");
      assert.match(healed.body, /The chain is verified: \d+ entries/);
    });

    test("issue 9.5: verifications requested together share one walk of the chain", async () => {
      const counting = countingChainReads(t.store);
      const deps: Deps = { ...t.deps, store: counting.store };
      const results = await Promise.all(Array.from({ length: 5 }, () => verifyAuditLog(deps, cli, noRequest)));
      assert.equal(counting.reads(), 1, "one walk for five callers");
      for (const result of results) assert.ok(result.ok && result.verification.ok);
      // Once it has finished, the next request walks again: a verdict is never served from a cache.
      await verifyAuditLog(deps, cli, noRequest);
      assert.equal(counting.reads(), 2);
    });

    test("issue 9.5: a verification of thousands of entries lets timers and I/O run while it walks", async () => {
      await t.store.transaction(async (tx) => {
        for (let i = 0; i < 5_000; i += 1) await tx.appendAudit(auditInput({ details: { i } }));
      });
      let probeRan = false;
      setImmediate(() => {
        probeRan = true;
      });
      const verified = await verifyAuditLog(t.deps, cli, noRequest);
      assert.ok(verified.ok && verified.verification.ok);
      assert.equal(probeRan, true, "a callback queued before the walk ran before it finished");
    });
  });
}
