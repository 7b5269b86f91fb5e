import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { createSignedInUser } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";

/**
 * Issue 9.1, found by the attack review (verification must report every broken entry, "so one bad entry cannot hide
 * another"). Whoever can write to the database, the very party the chain is there to catch, edits one
 * entry so that it cannot be read back (its details no longer a JSON object) or removes the head row.
 * Verification then throws instead of reporting: GET /api/audit/verify and /admin/audit?verify=1 answer
 * 500, and the real edit made further on is never reported. Expected: an entry that cannot be read is a
 * break of its own (reported as `altered`), the walk goes on, and the later edit is reported too.
 */
const unreadable: Record<string, { sql: string; breakAt: "entry" | "head" }> = {
  "details set to JSON null": { sql: "UPDATE audit_log SET details = 'null' WHERE seq = ?", breakAt: "entry" },
  "details that are not JSON": { sql: "UPDATE audit_log SET details = '{\"role\": ' WHERE seq = ?", breakAt: "entry" },
  "the head row deleted": { sql: "DELETE FROM audit_head WHERE id = 1 AND ? > 0", breakAt: "head" },
};

for (const engine of engines) {
  describe(`an unreadable audit entry must not stop verification (${engine})`, () => {
    for (const [label, tampering] of Object.entries(unreadable)) {
      test(`issue 9.1: with ${label}, verification still answers 200, reports the break, and reports a later edited entry`, async () => {
        const t = await startTestApp(engine);
        try {
          const root = await createSignedInUser(t, "superuser");
          const plain = await createSignedInUser(t);
          for (let i = 0; i < 6; i += 1) await plain.device.get(`/api/users/${randomUUID()}`);
          const chain = await wholeAudit(t);
          const first = chain[2];
          const later = chain.at(-2);
          assert.ok(first !== undefined && later !== undefined && later.seq > first.seq + 2);
          await rawQuery(t.database, tampering.sql, [first.seq]);
          await rawQuery(t.database, "UPDATE audit_log SET actor_id = ? WHERE seq = ?", [root.user.id, later.seq]);

          const api = await root.device.get("/api/audit/verify");
          assert.equal(api.statusCode, 200, `the API answered ${api.statusCode}: ${api.body.slice(0, 200)}`);
          const verdict = api.json() as { ok: boolean; broken: { seq: number; kind: string }[] };
          assert.equal(verdict.ok, false);
          if (tampering.breakAt === "entry") {
            assert.ok(
              verdict.broken.some((b) => b.seq === first.seq),
              "the unreadable entry is reported",
            );
          }
          assert.ok(
            verdict.broken.some((b) => b.seq === later.seq && b.kind === "altered"),
            `the later edit at ${later.seq} is reported: ${JSON.stringify(verdict.broken)}`,
          );
          const page = await root.device.get("/admin/audit?verify=1");
          assert.equal(page.statusCode, 200, `the audit page answered ${page.statusCode}`);
        } finally {
          await t.close();
        }
      });
    }
  });
}
