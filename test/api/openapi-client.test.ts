import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { startTestApp, type TestApp } from "../support/app.ts";

/**
 * Issue 11: a typed client from the served document, as the README shows (openapi-typescript). A small
 * program written against the generated types compiles; the same program with a wrong field does not,
 * so the types really say what the API takes and answers.
 */

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
let t: TestApp;
let dir: string;
before(async () => {
  t = await startTestApp("sqlite");
  dir = mkdtempSync(join(tmpdir(), "gatehouse-client-"));
  const document = (await t.client().get("/api/openapi.json")).json() as Parameters<typeof openapiTS>[0];
  writeFileSync(join(dir, "gatehouse-api.ts"), astToString(await openapiTS(document)));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const program = (loginBody: string) => `import type { components, paths } from "./gatehouse-api.ts";

type Login = paths["/api/auth/login"]["post"];
type LoginBody = NonNullable<Login["requestBody"]>["content"]["application/json"];
type SignedIn = Login["responses"][200]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type DeleteUser = paths["/api/users/{id}"]["delete"];
type Receipt = DeleteUser["responses"][200]["content"]["application/json"];
type Refusal409 = DeleteUser["responses"][409]["content"]["application/problem+json"];

export const body: LoginBody = ${loginBody};
export function roleOf(answer: SignedIn): "user" | "admin" | "superuser" {
  return answer.user.role;
}
export function revoked(receipt: Receipt): number {
  return receipt.sessionsRevoked;
}
export function codeOf(problem: Problem & Refusal409): "LAST_SUPERUSER" | "SELF_ACTION_FORBIDDEN" {
  return problem.code;
}
`;

async function compiles(source: string): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(dir, "client.ts"), source);
  const args = [
    tsc,
    "--noEmit",
    "--strict",
    "--target",
    "es2022",
    "--module",
    "nodenext",
    "--allowImportingTsExtensions",
  ];
  return run(process.execPath, [...args, join(dir, "client.ts")], { cwd: dir })
    .then(() => ({ ok: true, output: "" }))
    .catch((error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? "" }));
}

test("a program against types generated from the served document compiles", { timeout: 120_000 }, async () => {
  const result = await compiles(program(`{ email: "ada@example.com", password: "correct horse battery staple" }`));
  assert.equal(result.ok, true, result.output);
});

test("the same program with a body the API refuses does not", { timeout: 120_000 }, async () => {
  const result = await compiles(program(`{ email: "ada@example.com", password: 42, admin: true }`));
  assert.equal(result.ok, false);
  assert.match(result.output, /client\.ts\(11,\d+\): error TS2322/);
});
