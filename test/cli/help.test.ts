import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import type { Command } from "commander";
import type { CliContext } from "../../src/cli/cli-context.ts";
import { buildProgram } from "../../src/cli/run-cli.ts";
import { runInProcess } from "../support/cli-runner.ts";

/**
 * Issue 15 point 5: `gatehouse --help` and every subcommand's help. The tree is commander's own (the program
 * runCli builds), so a command added later is covered without editing this test: each has a description,
 * each of its options one, and its help prints, exit 0, without opening a database or reading any setting.
 */
const untouchable = (what: string) => () => {
  throw new Error(`help must not ${what}`);
};
const helpOnly: CliContext = {
  io: {
    stdin: Readable.from([]),
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: {},
    isTTY: false,
    ask: untouchable("ask anything"),
  },
  withDeps: untouchable("open the database"),
  withSettings: untouchable("open the database"),
  config: untouchable("read the configuration"),
  json: () => false,
  exitCode: 0,
};

function* walk(command: Command, path: readonly string[]): Generator<{ path: readonly string[]; command: Command }> {
  yield { path, command };
  for (const sub of command.commands) yield* walk(sub, [...path, sub.name()]);
}

const tree = [...walk(buildProgram(helpOnly), [])];

describe("gatehouse --help, and every subcommand's", () => {
  test("the tree holds the commands an operator expects", () => {
    const paths = new Set(tree.map(({ path }) => path.join(" ")));
    for (const expected of [
      "users create",
      "users set-role",
      "users set-password",
      "users reset-link",
      "users delete",
      "sessions list",
      "sessions revoke",
      "audit list",
      "audit export",
      "purge",
    ]) {
      assert.ok(paths.has(expected), expected);
    }
  });

  test("each command has a description and prints its help, exit 0, each option described; the leaves take --json", async () => {
    // A database URL that would fail if anything tried to open it.
    const variables = { DATABASE_URL: "postgres://nobody:x@127.0.0.1:1/none" };
    for (const { path, command } of tree) {
      const name = path.length === 0 ? "gatehouse" : path.join(" ");
      assert.notEqual(command.description().trim(), "", `${name} has a description`);
      const help = await runInProcess(variables, [...path, "--help"]);
      assert.equal(help.code, 0, `${name} --help: ${help.stderr}`);
      assert.equal(help.stderr, "", name);
      // Commander wraps long lines to the width of the output: compare with the line breaks taken out.
      const flat = (text: string) => text.replace(/\s+/g, " ");
      assert.ok(flat(help.stdout).includes(flat(command.description())), `${name}'s help shows its description`);
      for (const option of command.options) {
        assert.notEqual(option.description.trim(), "", `${name} ${option.flags} is described`);
        assert.ok(help.stdout.includes(option.flags), `${name}'s help lists ${option.flags}`);
      }
      const isLeaf = command.commands.length === 0 && path.length > 0;
      if (isLeaf && name !== "serve") {
        assert.ok(
          command.options.some((option) => option.long === "--json"),
          `${name} takes --json`,
        );
      }
      for (const sub of command.commands) assert.ok(help.stdout.includes(sub.name()), `${name} lists ${sub.name()}`);
    }
  });
});
