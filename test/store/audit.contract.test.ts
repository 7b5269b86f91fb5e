import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type AuditEntry, genesisHash } from "../../src/domain/audit/audit-chain.ts";
import { type AuditBreakKind, verifyAuditChain } from "../../src/domain/audit/audit-chain-walk.ts";
import type { SqlParam } from "../../src/store/sql-engine.ts";
import { type EngineName, engines } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";
import { appendAudits, auditInput, collect, type StoreFixture, t0, useFreshStore } from "./store-fixtures.ts";

/** Where the head points; its seal is checked by verification, not compared here. */
function headPosition(head: { seq: number; hash: string }) {
  return { seq: head.seq, hash: head.hash };
}

async function verify({ store, seal }: StoreFixture) {
  return verifyAuditChain(store.readAuditChain(), await store.getAuditHead(), seal);
}

/** A failed verdict: entries intact before the first break, then every break as [seq, kind, problem]. */
function failed(entries: number, ...breaks: [seq: number, kind: AuditBreakKind, problem: string][]) {
  const broken = breaks.map(([seq, kind, problem]) => ({ seq, kind, problem }));
  const [first] = broken;
  assert.ok(first !== undefined);
  return {
    ok: false,
    entries,
    brokenAt: first.seq,
    kind: first.kind,
    problem: first.problem,
    broken,
    brokenCount: broken.length,
  };
}

/** A fresh database holding a chain of `length` entries, for one tampering scenario. */
function tamperedChain(engine: EngineName, length: number) {
  const fixture = useFreshStore(engine);
  return async (): Promise<StoreFixture> => {
    const opened = fixture();
    const inputs = Array.from({ length }, (_, i) => auditInput({ at: t0 + i, details: { step: i } }));
    await appendAudits(opened.store, inputs);
    assert.deepEqual(await verify(opened), {
      ok: true,
      entries: length,
      headHash: (await opened.store.getAuditHead()).hash,
    });
    return opened;
  };
}

/** Column edits an attacker might make, each to a value different from anything the fixture writes. */
const columnEdits: readonly [column: string, value: SqlParam][] = [
  ["at", t0 - 1],
  ["actor_type", "system"],
  ["actor_id", "someone-else"],
  ["action", "user.view"],
  ["target_id", null],
  ["outcome", "denied"],
  ["reason", "covered up"],
  ["request_id", "req-forged"],
  ["ip", "203.0.113.9"],
  ["details", '{"step":99}'],
  ["prev_hash", "f".repeat(64)],
  ["hash", "e".repeat(64)],
  ["note_mac", "d".repeat(64)],
];

/**
 * Text that is hard to store faithfully: lone surrogates (high, low, reversed pair, at the end), NUL, an
 * emoji and other astral characters, combining marks, right-to-left and bidi controls, noncharacters.
 */
const hostileTexts = [
  "lone high \ud800 here",
  "lone low \udc00",
  "reversed pair \ude00\ud83d",
  `${"a".repeat(63)}\ud83d`,
  "nul \u0000 inside",
  "emoji \u{1f600} and \u{1f469}\u200d\u{1f469}\u200d\u{1f467}",
  "astral \u{10348} \u{1d11e} \u{20000}",
  "combining e\u0301 a\u030a\u0323",
  "rtl \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202e\u2066x\u2069",
  "nonchars \ufffe\uffff\ufeff",
];

for (const engine of engines) {
  describe(`store contract: audit log (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("an empty log has the genesis head and verifies", async () => {
      const { store } = fixture();
      assert.deepEqual(headPosition(await store.getAuditHead()), { seq: 0, hash: genesisHash });
      assert.deepEqual(await verify(fixture()), { ok: true, entries: 0, headHash: genesisHash });
    });

    test("appendAudit numbers entries 1..n and links each to the previous entry's hash", async () => {
      const { store } = fixture();
      const inputs = [
        auditInput({ action: "user.create", details: {} }),
        auditInput({ actorType: "anonymous", actorId: null, outcome: "denied", reason: "bad password" }),
        auditInput({ actorType: "cli", actorId: null, targetId: null, requestId: null, ip: null }),
      ];
      const appended: AuditEntry[] = [];
      await store.transaction(async (tx) => {
        for (const input of inputs) appended.push(await tx.appendAudit(input));
      });
      for (const [i, entry] of appended.entries()) {
        const prevHash = i === 0 ? genesisHash : appended[i - 1]?.hash;
        assert.deepEqual(entry, { ...inputs[i], seq: i + 1, prevHash, hash: entry.hash });
        assert.match(entry.hash, /^[0-9a-f]{64}$/);
      }
      assert.deepEqual(await collect(store.readAuditChain()), appended);
      assert.deepEqual(headPosition(await store.getAuditHead()), { seq: 3, hash: appended[2]?.hash });
      assert.deepEqual(await verify(fixture()), { ok: true, entries: 3, headHash: appended[2]?.hash });
    });

    test("issue 9.1: hostile text in every field and details value still verifies, read back as it was sealed", async () => {
      const { store } = fixture();
      const appended: AuditEntry[] = [];
      await store.transaction(async (tx) => {
        for (const text of hostileTexts) {
          const input = auditInput({
            actorId: text,
            action: text,
            targetId: text,
            reason: text,
            requestId: text,
            ip: text,
            details: { [text]: text, plain: text, n: 1 },
            note: text,
          });
          appended.push(await tx.appendAudit(input));
        }
      });
      const chain = await collect(store.readAuditChain());
      const mine = chain.filter((entry) => appended.some((a) => a.seq === entry.seq));
      assert.deepEqual(mine, appended, "each entry reads back exactly as appendAudit sealed and returned it");
      for (const [i, entry] of appended.entries()) {
        const text = hostileTexts[i] ?? "";
        const stored = text.toWellFormed().replaceAll("\u0000", "\ufffd");
        for (const value of [entry.actorId, entry.action, entry.targetId, entry.reason, entry.requestId, entry.ip]) {
          assert.equal(value, stored, JSON.stringify(text));
        }
        assert.deepEqual(entry.details, { [stored]: stored, plain: stored, n: 1 });
        assert.equal(entry.note, stored);
      }
      const verdict = await verify(fixture());
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
    });

    test("listAudit returns newest first and filters by actor, target, action and outcome", async () => {
      const { store } = fixture();
      const actor = randomUUID();
      const target = randomUUID();
      await appendAudits(store, [
        auditInput({ actorId: actor, action: "session.revoke" }),
        auditInput({ actorId: actor, targetId: target, action: "user.delete", outcome: "denied" }),
        auditInput({ targetId: target, action: "user.delete" }),
        auditInput({ actorId: actor, targetId: target, action: "user.role" }),
      ]);
      const byActor = await store.listAudit({ actorId: actor, limit: 10 });
      assert.deepEqual(
        byActor.map((entry) => entry.action),
        ["user.role", "user.delete", "session.revoke"],
      );
      assert.ok(byActor.every((entry, i) => i === 0 || (byActor[i - 1]?.seq ?? 0) > entry.seq));
      const byTarget = await store.listAudit({ targetId: target, limit: 10 });
      assert.deepEqual(
        byTarget.map((entry) => [entry.action, entry.outcome]),
        [
          ["user.role", "success"],
          ["user.delete", "success"],
          ["user.delete", "denied"],
        ],
      );
      const denied = await store.listAudit({ targetId: target, outcome: "denied", limit: 10 });
      assert.deepEqual(
        denied.map((entry) => entry.actorId),
        [actor],
      );
      const deletes = await store.listAudit({ actorId: actor, action: "user.delete", limit: 10 });
      assert.equal(deletes.length, 1);
      assert.deepEqual(await store.listAudit({ actorId: randomUUID(), limit: 10 }), []);
    });

    test("listAudit pages newest first with `before` without repeating or skipping entries", async () => {
      const { store } = fixture();
      const actor = randomUUID();
      await appendAudits(
        store,
        Array.from({ length: 7 }, (_, i) => auditInput({ actorId: actor, details: { i } })),
      );
      const seen: AuditEntry[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.listAudit(
          before === undefined ? { actorId: actor, limit: 3 } : { actorId: actor, limit: 3, before },
        );
        seen.push(...page);
        const last = page.at(-1);
        if (page.length < 3 || last === undefined) break;
        before = last.seq;
      }
      assert.deepEqual(
        seen.map((entry) => entry.details.i),
        [6, 5, 4, 3, 2, 1, 0],
      );
      const everything = await store.listAudit({ limit: 1_000 });
      const newest = everything[0];
      assert.ok(newest !== undefined);
      assert.equal(newest.seq, (await store.getAuditHead()).seq);
      assert.deepEqual(await store.listAudit({ before: newest.seq, limit: 1_000 }), everything.slice(1));
      assert.deepEqual(await store.listAudit({ before: 1, limit: 10 }), []);
    });
  });

  describe(`store contract: reading a long audit chain (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("readAuditChain yields every entry in order across several chunks", async () => {
      const { store } = fixture();
      const batch = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => auditInput({ details: { n: from + i } }));
      // Whole chunks first (the last read is an empty chunk), then one entry more.
      await appendAudits(store, batch(1, 1_000));
      let chain = await collect(store.readAuditChain());
      assert.equal(chain.length, 1_000);
      await appendAudits(store, batch(1_001, 1));
      chain = await collect(store.readAuditChain());
      assert.deepEqual(
        chain.map((entry) => entry.seq),
        Array.from({ length: 1_001 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        chain.map((entry) => entry.details.n),
        Array.from({ length: 1_001 }, (_, i) => i + 1),
      );
      const last = chain.at(-1);
      assert.deepEqual(headPosition(await store.getAuditHead()), { seq: 1_001, hash: last?.hash });
      assert.deepEqual(await verify(fixture()), { ok: true, entries: 1_001, headHash: last?.hash });
    });
  });

  describe(`store contract: audit tampering is detected (${engine})`, () => {
    describe("editing any column of a row", () => {
      const chain = tamperedChain(engine, 5);
      test("breaks verification at that row, and restoring the value heals it", async () => {
        const opened = await chain();
        for (const [column, value] of columnEdits) {
          const saved = await readColumn(opened, column, 3);
          assert.equal(
            (await rawQuery(opened.database, `UPDATE audit_log SET ${column} = ? WHERE seq = 3`, [value])).changes,
            1,
          );
          const result = await verify(opened);
          assert.equal(result.ok, false, column);
          assert.ok(!result.ok && result.brokenAt === 3, column);
          await rawQuery(opened.database, `UPDATE audit_log SET ${column} = ? WHERE seq = 3`, [saved]);
          assert.equal((await verify(opened)).ok, true, `${column} restored`);
        }
      });
    });

    describe("deleting a row in the middle", () => {
      const chain = tamperedChain(engine, 5);
      test("breaks verification at the gap", async () => {
        const opened = await chain();
        assert.equal((await rawQuery(opened.database, "DELETE FROM audit_log WHERE seq = 3")).changes, 1);
        const result = await verify(opened);
        assert.deepEqual(result, failed(2, [4, "missing-entries", "expected entry 3, found 4"]));
      });
    });

    describe("cutting off the last rows", () => {
      const chain = tamperedChain(engine, 5);
      test("is detected as truncation against the head", async () => {
        const opened = await chain();
        assert.equal((await rawQuery(opened.database, "DELETE FROM audit_log WHERE seq = 5")).changes, 1);
        let result = await verify(opened);
        assert.deepEqual(result, failed(4, [5, "truncated", "entries are missing from the end of the log"]));
        assert.equal((await rawQuery(opened.database, "DELETE FROM audit_log WHERE seq >= 3")).changes, 2);
        result = await verify(opened);
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.entries === 2 && /missing from the end/.test(result.problem));
      });
    });

    describe("issue 9.1: several edits far apart", () => {
      const chain = tamperedChain(engine, 10);
      test("are each reported once, at their own entry, and the first is still brokenAt", async () => {
        const opened = await chain();
        // Content, hash and link edits: the one after each must not be reported as well.
        await rawQuery(opened.database, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 3");
        await rawQuery(opened.database, "UPDATE audit_log SET hash = ? WHERE seq = 6", ["c".repeat(64)]);
        await rawQuery(opened.database, "UPDATE audit_log SET prev_hash = ? WHERE seq = 8", ["b".repeat(64)]);
        await rawQuery(opened.database, "UPDATE audit_log SET ip = '198.51.100.1' WHERE seq = 10");
        assert.deepEqual(
          await verify(opened),
          failed(
            2,
            [3, "altered", "the entry was altered"],
            [6, "altered", "the entry was altered"],
            [8, "broken-link", "the link to the previous entry is broken"],
            [10, "altered", "the entry was altered"],
          ),
        );
        const bounded = await verifyAuditChain(
          opened.store.readAuditChain(),
          await opened.store.getAuditHead(),
          opened.seal,
          {
            maxReported: 2,
          },
        );
        assert.ok(!bounded.ok);
        assert.deepEqual(
          bounded.broken.map((broken) => broken.seq),
          [3, 6],
        );
        assert.equal(bounded.brokenCount, 4, "every break is counted, reported or not");
      });
    });

    describe("inserting a forged row", () => {
      const chain = tamperedChain(engine, 3);
      test("is detected whether or not the head is moved to it", async () => {
        const opened = await chain();
        const head = await opened.store.getAuditHead();
        const forgedHash = "a".repeat(64);
        await rawQuery(
          opened.database,
          `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, target_id, outcome, reason, request_id, ip,
            details, prev_hash, hash) VALUES (?, ?, 'system', NULL, 'user.restore', NULL, 'success', NULL, NULL, NULL,
            '{}', ?, ?)`,
          [4, t0, head.hash, forgedHash],
        );
        let result = await verify(opened);
        assert.deepEqual(
          result,
          failed(
            3,
            [4, "altered", "the entry was altered"],
            [4, "unrecorded-entries", "entries follow the recorded end of the log"],
          ),
        );
        await rawQuery(opened.database, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", [4, forgedHash]);
        result = await verify(opened);
        assert.deepEqual(
          result,
          failed(
            3,
            [4, "altered", "the entry was altered"],
            [5, "head-altered", "the recorded end of the log was altered"],
          ),
        );
      });
    });
  });
}

/** The stored value of one audit column, read behind the store's back through the store's own listing. */
async function readColumn(opened: StoreFixture, column: string, seq: number): Promise<SqlParam> {
  const [entry] = await opened.store.listAudit({ before: seq + 1, limit: 1 });
  assert.ok(entry !== undefined && entry.seq === seq);
  const values: Record<string, SqlParam> = {
    at: entry.at,
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    action: entry.action,
    target_id: entry.targetId,
    outcome: entry.outcome,
    reason: entry.reason,
    request_id: entry.requestId,
    ip: entry.ip,
    details: JSON.stringify(entry.details),
    prev_hash: entry.prevHash,
    hash: entry.hash,
    note_mac: entry.noteMac ?? null,
  };
  const value = values[column];
  assert.ok(value !== undefined, column);
  return value;
}
