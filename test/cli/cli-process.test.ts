import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { apiVersion } from "../../src/http/openapi/openapi-document.ts";
import { migrations } from "../../src/store/migrations.ts";
import { type CliRun, runGatehouse } from "../support/cli-process.ts";
import { runInProcess } from "../support/cli-runner.ts";

/**
 * What only a process of its own can show (the rest of the CLI's suites run it in-process through runCli):
 * `node bin/gatehouse.js` with real streams, its exit codes (0, 1 refused, 2 not confirmed), standard input
 * for --password-stdin, a real terminal (a pty from util-linux `script`) for a confirmation, and a database
 * that cannot be reached said in one line. On SQLite (and an unreachable PostgreSQL URL, which needs none).
 */
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** The CLI on a terminal: `answer` is typed once `prompt` is on the screen (the terminal echoes both). */
function onTerminal(
  variables: Readonly<Record<string, string>>,
  args: readonly string[],
  prompt: string,
  answer: string,
): Promise<CliRun> {
  const command = ["node", "bin/gatehouse.js", ...args].join(" ");
  const env = { PATH: process.env.PATH ?? "", ...variables };
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: new URL("../..", import.meta.url), env });
    let stdout = "";
    let typed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (!typed && stdout.includes(prompt)) {
        typed = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
  });
}

describe("gatehouse as a process", () => {
  let dir: string;
  let variables: Record<string, string>;
  const email = "process.root@example.test";
  const password = "a process's long passphrase";

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-process-"));
    variables = { DATABASE_URL: join(dir, "gatehouse.sqlite"), DATA_DIR: dir };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("--version prints the release and the schema, exit 0", async () => {
    const run = await runGatehouse(variables, ["--version"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `gatehouse ${apiVersion} (database schema ${migrations.at(-1)?.version})\n`);
  });

  test("create-superuser reads --password-stdin from a pipe; a a second user (created in-process) is the one deleted on a terminal", async () => {
    const made = await runGatehouse(
      variables,
      ["create-superuser", "--email", email, "--password-stdin"],
      `${password}\n`,
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^Created superuser process\.root@example\.test \(id \S+\)\.\n$/);
    assert.ok(!`${made.stdout}${made.stderr}`.includes(password));
    const second = await runInProcess(
      variables,
      ["users", "create", "doomed@example.test", "--password-stdin"],
      "another long passphrase",
    );
    assert.equal(second.code, 0, second.stderr);
  });

  test("exit codes: 2 for a destructive command without --yes or a terminal, 1 for a refusal and for a usage error", async () => {
    const unasked = await runGatehouse(variables, ["users", "delete", "doomed@example.test"]);
    assert.equal(unasked.code, 2);
    assert.equal(unasked.stdout, "");
    assert.equal(
      unasked.stderr,
      "Not confirmed: there is no terminal to ask on, so nothing changed. Pass --yes to delete the user without asking.\n",
    );
    const unknown = await runGatehouse(variables, ["users", "delete", "nobody@example.test", "--yes"]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'USER_NOT_FOUND: No user with id or e-mail "nobody@example.test".\n');
    const usage = await runGatehouse(variables, ["users", "set-role", "doomed@example.test", "root"]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /Allowed choices are user, admin, superuser\./);
  });

  test("on a terminal, users delete shows the plan and deletes once the e-mail is typed back", {
    skip: !hasScript && "no util-linux script for a terminal",
  }, async () => {
    const run = await onTerminal(
      variables,
      ["users", "delete", "doomed@example.test"],
      "Type the e-mail to confirm: ",
      "Doomed@Example.test",
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /Deleting doomed@example\.test \(id \S+, user\):/);
    assert.match(run.stdout, /now: 0 sessions end, 0 API tokens revoked, sign-in ends;/);
    assert.match(run.stdout, /erased now \(no grace period\): this cannot be undone\./);
    assert.match(
      run.stdout,
      /Deleted doomed@example\.test \(id \S+\): erased; 0 sessions ended, 0 API tokens revoked\./,
    );
    const listed = await runInProcess(variables, ["users", "list"]);
    assert.doesNotMatch(listed.stdout, /doomed/);
  });

  test("a database that cannot be reached: one line naming its host, never the password, no stack trace, exit 1", async () => {
    const run = await runGatehouse(
      { DATABASE_URL: "postgres://ops:s3cret-pass@127.0.0.1:1/gatehouse", DATA_DIR: dir },
      ["users", "list"],
    );
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^Cannot open the PostgreSQL server at 127\.0\.0\.1:1\/gatehouse \(DATABASE_URL\): connect ECONNREFUSED 127\.0\.0\.1:1\.\n$/,
    );
    assert.ok(!run.stderr.includes("s3cret-pass"));
  });

  test("a mistyped DATABASE_URL stops the process, naming the variable, and creates nothing", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "gatehouse-cli-url-"));
    try {
      const run = await runGatehouse({ DATABASE_URL: "Mysql://db/gatehouse", DATA_DIR: fresh }, ["migrate"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /DATABASE_URL: "mysql:" is not a database Gatehouse can use/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      assert.deepEqual(readdirSync(fresh), []);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
