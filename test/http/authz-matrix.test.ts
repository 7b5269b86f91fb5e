import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.ts";
import { cellsOf, loadMatrix, type MatrixCell, routeLabel } from "../support/authz-matrix.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import { assertAuditHasNoEmail, type CellOutcome, runCell } from "../support/matrix-fixtures.ts";

/**
 * SECURITY.md 1.1 (ASVS 8.2.1, 8.2.2, 16.3.2; CS-AZ testing automation): every cell of
 * test/authz-matrix.json is one test, named after its (actor, route, target) and expected answer. A refusal
 * leaves every user row and session exactly as it was and is recorded in the audit log as "denied".
 * 401s are refused by the route group before there is an actor, and are deliberately not audited (anyone
 * could fill the log with them).
 */
const matrix = loadMatrix();
const gracePeriodMs = 24 * 3_600_000;

/** Refusals the code answers correctly but does not record as a denial: see the report in each message. */
function assertAnswer(outcome: CellOutcome, cell: MatrixCell): void {
  const { response } = outcome;
  assert.equal(response.statusCode, cell.status, `${cell.name}: got ${response.statusCode} ${response.body}`);
  if (cell.code !== null) assert.equal(problemCode(response), cell.code, cell.name);
}

/** A token actor's refusal names the token's owner as the actor, and the token by its id. */
function assertDeniedAudit(outcome: CellOutcome, cell: MatrixCell): void {
  const actorId = outcome.arranged.actor?.id;
  const denied = outcome.audit.filter((entry) => entry.outcome === "denied");
  assert.equal(denied.length, 1, `${cell.name}: one denied audit row, got ${JSON.stringify(outcome.audit)}`);
  const [entry] = denied;
  const token = outcome.arranged.token;
  assert.equal(entry?.actorType, token === null ? "user" : "token", cell.name);
  assert.equal(entry?.actorId, actorId, cell.name);
  assert.equal(entry?.details.tokenId, token?.id, cell.name);
  assert.equal(entry?.reason, cell.code, cell.name);
  // A token's owner is named only once the token is looked up: refusals before that keep the id's pseudonym.
  const targetId = outcome.arranged.targetUser?.id;
  if (cell.route.target === "user" && targetId !== undefined) assert.equal(entry?.targetId, targetId, cell.name);
}

/**
 * Refused before there is one actor to record: a 401 (no credential the server accepts; anyone could fill
 * the log with them) and a request carrying a session cookie and a token at once (two principals: naming
 * either would attribute the request to someone who may not have sent it).
 */
function refusedBeforeAnActor(cell: MatrixCell): boolean {
  return cell.status === 401 || cell.code === "AMBIGUOUS_CREDENTIALS";
}

for (const engine of engines) {
  describe(`authorization matrix (${engine})`, () => {
    for (const route of matrix.routes) {
      describe(routeLabel(route), () => {
        let t: TestApp;
        before(async () => {
          t = await startTestApp(
            engine,
            route.setup?.targetScheduledForDeletion === true ? { deletionGraceMs: gracePeriodMs } : {},
          );
        });
        after(() => t.close());

        for (const cell of cellsOf(matrix, route)) {
          test(cell.name, async () => {
            const outcome = await runCell(t, matrix, cell);
            assertAnswer(outcome, cell);
            assertAuditHasNoEmail(outcome, cell.name);
            if (cell.status < 400 && route.method !== "GET") return;
            assert.deepEqual(outcome.after, outcome.before, `${cell.name}: a read or a refusal changes nothing`);
            if (cell.status < 400 || refusedBeforeAnActor(cell) || route.audited === false) return;
            assertDeniedAudit(outcome, cell);
          });
        }
      });
    }
  });
}
