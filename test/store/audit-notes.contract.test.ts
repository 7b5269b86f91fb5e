import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type AuditRecord, genesisHash, sealAuditHead } from "../../src/domain/audit/audit-chain.ts";
import { verifyAuditChain } from "../../src/domain/audit/audit-chain-walk.ts";
import { migrations as allMigrations } from "../../src/store/migrations.ts";
import { migrate } from "../../src/store/migrator.ts";
import { openStore } from "../../src/store/open-store.ts";
import { openPostgresEngine } from "../../src/store/postgres/postgres-engine.ts";
import { openSqliteEngine } from "../../src/store/sqlite/sqlite-engine.ts";
import { createTestDatabase, engines } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";
import {
  addUser,
  appendAudits,
  auditInput,
  collect,
  openSealer,
  type StoreFixture,
  useFreshStore,
} from "./store-fixtures.ts";

/**
 * Issue 9, item 10: an audit entry's note (caller-chosen text) is sealed by its keyed MAC and stored apart,
 * so erasing it keeps the chain verifiable, while editing it is still detected.
 */
async function verify({ store, seal }: StoreFixture) {
  return verifyAuditChain(store.readAuditChain(), await store.getAuditHead(), seal);
}

async function notes(fixture: StoreFixture): Promise<Map<number, string | null>> {
  const chain = await collect(fixture.store.readAuditChain());
  return new Map(chain.filter((entry) => entry.noteMac !== undefined).map((entry) => [entry.seq, entry.note ?? null]));
}

for (const engine of engines) {
  describe(`store contract: audit notes (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("a note is not in the sealed row; editing it is detected, deleting it is not a break", async () => {
      const opened = fixture();
      await appendAudits(opened.store, [auditInput(), auditInput({ note: "left the company" }), auditInput()]);
      const [entry] = await opened.store.listAudit({ before: 3, limit: 1 });
      assert.ok(entry !== undefined);
      assert.equal(entry.note, "left the company");
      assert.match(entry.noteMac ?? "", /^[0-9a-f]{64}$/);
      const rows = await rawQuery(opened.database, "SELECT * FROM audit_log WHERE seq = ?", [entry.seq]);
      assert.doesNotMatch(JSON.stringify(rows.rows), /left the company/, "the sealed row holds only the MAC");
      assert.equal((await verify(opened)).ok, true);

      await rawQuery(opened.database, "UPDATE audit_notes SET note = 'was a mistake' WHERE seq = ?", [entry.seq]);
      const edited = await verify(opened);
      assert.ok(!edited.ok);
      assert.deepEqual(edited.broken, [
        { seq: entry.seq, kind: "note-altered", problem: "the entry's note was altered" },
      ]);

      await rawQuery(opened.database, "DELETE FROM audit_notes WHERE seq = ?", [entry.seq]);
      assert.equal((await verify(opened)).ok, true, "an erased note leaves its MAC, and the chain intact");
      assert.deepEqual(await notes(opened), new Map([[entry.seq, null]]));

      // A note slipped in for an entry that never had one is an edit too.
      await rawQuery(opened.database, "INSERT INTO audit_notes (seq, note, search_text) VALUES (?, 'x', 'x')", [
        entry.seq + 1,
      ]);
      const added = await verify(opened);
      assert.ok(!added.ok && added.brokenAt === entry.seq + 1 && added.kind === "note-altered");
      await rawQuery(opened.database, "DELETE FROM audit_notes WHERE seq = ?", [entry.seq + 1]);
    });

    test("eraseUser removes, in its transaction, the notes that mention the user's address in any case", async () => {
      const opened = fixture();
      const user = await addUser(opened.store, { email: `Ann_Lee+${randomUUID().slice(0, 8)}@Example.Test` });
      const address = user.email;
      const before = (await opened.store.getAuditHead()).seq;
      await appendAudits(opened.store, [
        auditInput({ note: `duplicate of ${address}` }),
        auditInput({ note: `ask ${address.toUpperCase()} first` }),
        auditInput({ note: `ask ${address.toLowerCase()}.` }),
        // LIKE wildcards in the address match only themselves: `_` is not "any character".
        auditInput({ note: `ask ${address.replace("_", "x")}` }),
        auditInput({ note: "names nobody" }),
      ]);
      const seqs = [1, 2, 3, 4, 5].map((i) => before + i);
      // A transaction that fails after the erasure takes the notes' removal back with it.
      await assert.rejects(
        opened.store.transaction(async (tx) => {
          assert.equal(await tx.eraseUser(user.id), true);
          throw new Error("rolled back");
        }),
        /rolled back/,
      );
      assert.equal((await notes(opened)).get(seqs[0] ?? 0), `duplicate of ${address}`);

      assert.equal(await opened.store.transaction((tx) => tx.eraseUser(user.id)), true);
      const left = await notes(opened);
      assert.deepEqual(
        seqs.map((seq) => left.get(seq)),
        [null, null, null, `ask ${address.replace("_", "x")}`, "names nobody"],
      );
      assert.equal((await verify(opened)).ok, true);
      assert.equal(
        await opened.store.transaction((tx) => tx.eraseUser(user.id)),
        false,
        "a second erasure finds nobody",
      );
    });
  });

  describe(`store contract: a chain from before audit notes (${engine})`, () => {
    test("written at schema version 2, it still verifies after the upgrade, and new entries extend it", async () => {
      const database = await createTestDatabase(engine);
      const seal = openSealer(randomBytes(32));
      try {
        const location = database.location;
        const old = location.kind === "sqlite" ? openSqliteEngine(location.path) : openPostgresEngine(location.url, 2);
        await migrate(old, allMigrations.slice(0, 2));
        // Rows as the previous release wrote them: no note_mac column, the reason inline.
        let prevHash = genesisHash;
        for (let seq = 1; seq <= 3; seq += 1) {
          const { note: _, ...record }: AuditRecord & { note?: unknown } = auditInput({ reason: `old reason ${seq}` });
          const hash = seal(prevHash, seq, record);
          await old.run(
            `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, target_id, outcome, reason, request_id, ip,
              details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              seq,
              record.at,
              record.actorType,
              record.actorId,
              record.action,
              record.targetId,
              record.outcome,
              record.reason,
              record.requestId,
              record.ip,
              JSON.stringify(record.details),
              prevHash,
              hash,
            ],
          );
          prevHash = hash;
        }
        await old.run("UPDATE audit_head SET seq = 3, hash = ?, seal = ? WHERE id = 1", [
          prevHash,
          sealAuditHead(seal, 3, prevHash),
        ]);
        await old.close();

        const { store, migrations } = await openStore(location, seal);
        try {
          // Every migration after version 2 applies, the audit notes' (3) among them.
          assert.ok(migrations.applied.includes(3));
          assert.ok(migrations.applied.every((version) => version > 2));
          const upgraded = { store, database, seal, migrations };
          assert.deepEqual(await verify(upgraded), { ok: true, entries: 3, headHash: prevHash });
          await appendAudits(store, [auditInput({ note: "after the upgrade" })]);
          const verdict = await verify(upgraded);
          assert.ok(verdict.ok && verdict.entries === 4);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
}
