import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { startTestApp, type TestApp } from "../support/app.ts";
import {
  type ActorKind,
  cellsOf,
  loadMatrix,
  type MatrixCell,
  type MatrixRoute,
  routeLabel,
  type TargetKind,
} from "../support/authz-matrix.ts";
import { engines } from "../support/databases.ts";
import { arrangeCell, sendCell } from "../support/matrix-fixtures.ts";

/**
 * SECURITY.md decision: a caller without the permission is refused before any lookup, so "exists but
 * forbidden" and "does not exist" look the same (CS-IDOR; WSTG-ATHZ-04). The answers must be identical
 * byte for byte, apart from the request id in `instance`.
 */
const matrix = loadMatrix();
const byId = matrix.routes.filter((route) => route.target === "user" && route.setup === undefined);

function cellFor(route: MatrixRoute, actor: ActorKind, target: TargetKind): MatrixCell {
  const cell = cellsOf(matrix, route).find((candidate) => candidate.actor === actor && candidate.target === target);
  assert.ok(cell !== undefined, `${actor} on ${target} is a cell of ${routeLabel(route)}`);
  return cell;
}

/** What the client sees, minus the per-request id. */
function visible(response: LightMyRequestResponse) {
  return {
    status: response.statusCode,
    type: response.headers["content-type"],
    length: response.headers["content-length"],
    allow: response.headers.allow,
    setCookie: response.headers["set-cookie"],
    body: response.body.replace(/"instance":"urn:gatehouse:request:[0-9a-f-]{36}"/, '"instance":"-"'),
  };
}

async function answer(t: TestApp, route: MatrixRoute, actor: ActorKind, target: TargetKind) {
  const arranged = await arrangeCell(t, matrix, cellFor(route, actor, target));
  return visible(await sendCell(arranged, route.method));
}

for (const engine of engines) {
  describe(`refusals do not reveal whether a user exists (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the routes by id are all checked", () => {
      assert.ok(byId.length >= 8, byId.map(routeLabel).join("; "));
    });

    for (const route of byId) {
      test(`a user's 403 on ${routeLabel(route)} is the same bytes for their own, another's and a missing id`, async () => {
        const missing = await answer(t, route, "user", "missing");
        assert.equal(missing.status, 403);
        for (const target of ["own", "equal", "higher"] as const) {
          assert.deepEqual(await answer(t, route, "user", target), missing, `${target} against missing`);
        }
      });

      test(`an anonymous 401 on ${routeLabel(route)} is the same bytes for an existing and a missing id`, async () => {
        const missing = await answer(t, route, "anonymous", "missing");
        assert.equal(missing.status, 401);
        assert.deepEqual(await answer(t, route, "anonymous", "higher"), missing);
      });
    }
  });
}
