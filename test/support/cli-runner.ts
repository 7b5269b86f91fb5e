import { Readable } from "node:stream";
import { type RunCliOptions, runCli } from "../../src/cli/run-cli.ts";
import type { Clock } from "../../src/domain/ports.ts";
import { fastHasher } from "./app.ts";
import type { CliRun } from "./cli-process.ts";

/**
 * @module
 * The operator CLI run in this process: `runCli` with exactly the given configuration variables as its
 * environment (none of this process's own), standard input from a string, and output collected. A
 * `terminal` run has a person at it: each question is written to stderr as a terminal shows it, and
 * answered with the next of `answers` (a question with no answer left fails the test). Same signature and
 * answer as runGatehouse (cli-process.ts), which spawns the real process; only a few suites need that.
 */
export interface InProcessRun {
  readonly input?: string;
  /** The clock the command acts by (deletion grace, purge): a TestClock moves it without sleeping. */
  readonly clock?: Clock;
  readonly terminal?: { readonly answers: readonly string[] };
}

export interface TerminalRun extends CliRun {
  /** Every question asked, in order (hidden ones too). */
  readonly asked: readonly string[];
}

/** The cheap hasher: hundreds of commands per suite would otherwise each pay production's argon2id. */
const testOverrides = (clock: Clock | undefined): RunCliOptions => ({
  overrides: { hasher: fastHasher, ...(clock === undefined ? {} : { clock }) },
});

export async function runInProcess(
  variables: Readonly<Record<string, string>>,
  args: readonly string[],
  input: string | InProcessRun = "",
): Promise<TerminalRun> {
  const run: InProcessRun = typeof input === "string" ? { input } : input;
  let stdout = "";
  let stderr = "";
  const asked: string[] = [];
  const answers = [...(run.terminal?.answers ?? [])];
  const code = await runCli(
    args,
    {
      stdin: Readable.from(run.input === undefined || run.input === "" ? [] : [Buffer.from(run.input)]),
      stdout: {
        write: (text) => {
          stdout += text;
          return true;
        },
      },
      stderr: {
        write: (text) => {
          stderr += text;
          return true;
        },
      },
      env: { ...variables },
      isTTY: run.terminal !== undefined,
      ask: async (question) => {
        asked.push(question);
        stderr += question;
        const typed = answers.shift();
        if (typed === undefined) throw new Error(`the test gave no answer to ${JSON.stringify(question)}`);
        return typed;
      },
    },
    testOverrides(run.clock),
  );
  return { code, stdout, stderr, asked };
}
