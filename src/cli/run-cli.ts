import { Command, CommanderError } from "commander";
import { type Config, ConfigError, parseConfig } from "../config.ts";
import { apiVersion } from "../http/openapi/openapi-document.ts";
import type { DepsOverrides } from "../server.ts";
import { migrations } from "../store/migrations.ts";
import { registerAuditCommands } from "./audit-commands.ts";
import { type CliContext, CliRefusal, NotConfirmed, type WithDeps, type WithSettings } from "./cli-context.ts";
import type { CliIo } from "./cli-io.ts";
import { databaseFailureLine } from "./database-failure.ts";
import { registerOperatorCommands } from "./operator-commands.ts";
import { registerRecoveryCommands } from "./recovery-commands.ts";
import { registerServerCommands } from "./server-commands.ts";
import { registerSessionCommands } from "./session-commands.ts";
import { registerSettingsCommands } from "./settings-commands.ts";
import { registerTokenCommands } from "./token-commands.ts";
import { registerWebhookCommands } from "./webhook-commands.ts";

/**
 * @module
 * `gatehouse …` as a function: the command tree built fresh for one run, parsed from `argv` (the words after
 * the program's name), run against `io`, answering the exit code. Nothing here calls process.exit or reads
 * process.env: commander's exits are turned into codes and its output into `io`, so tests run the command
 * line in-process and main.ts is only the process around it. Exit codes: 0 done, 1 refused or failed,
 * 2 not confirmed (a destructive command without a terminal or --yes).
 */
export interface RunCliOptions {
  /** What tests swap in the composition root (a cheap hasher); production passes none. */
  readonly overrides?: DepsOverrides;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command()
    .name("gatehouse")
    .description("Accounts and sessions where deletion and revocation are secure by construction.")
    // Set before any subcommand exists: commander copies both to every subcommand it creates.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    // The package's version (test/api/openapi-document.test.ts holds the two equal), and the schema this
    // build migrates to: what an operator asks before an upgrade or a bug report.
    .version(`gatehouse ${apiVersion} (database schema ${migrations.at(-1)?.version ?? 0})`, "-V, --version");
  registerServerCommands(program, ctx);
  const users = registerOperatorCommands(program, ctx);
  registerRecoveryCommands(users, ctx);
  registerSessionCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerWebhookCommands(program, ctx);
  registerSettingsCommands(program, ctx);
  addJsonOption(program);
  return program;
}

/** Every command that answers (all but `serve`) takes --json. */
function addJsonOption(command: Command): void {
  for (const sub of command.commands) {
    if (sub.commands.length > 0) addJsonOption(sub);
    else if (sub.name() !== "serve")
      sub.option("--json", "answer in JSON (one object per line for lists), for scripts");
  }
}

export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  let config: Config | undefined;
  let json = false;
  const open = async (settings: "enforce" | "report") => {
    const given = ctx.config();
    // Loaded when a command first needs the database: --help, --version and usage errors start without
    // the composition root (the whole HTTP app), which is most of a process's start-up time.
    const { openDeps } = await import("../server.ts");
    try {
      return { given, opened: await openDeps(given, { ...options.overrides, sharedSettings: settings }) };
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new CliRefusal(databaseFailureLine(given.database, error));
    }
  };
  const withDeps: WithDeps = async (work) => {
    const { opened } = await open("enforce");
    try {
      return await work(opened.deps, opened);
    } finally {
      await opened.store.close();
    }
  };
  const withSettings: WithSettings = async (work) => {
    const { given, opened } = await open("report");
    try {
      return await work({ deps: opened.deps, given, disagreements: opened.sharedDisagreements });
    } finally {
      await opened.store.close();
    }
  };
  const ctx: CliContext = {
    io,
    withDeps,
    withSettings,
    config: () => {
      config ??= parseConfig({ ...io.env });
      return config;
    },
    json: () => json,
    exitCode: 0,
  };
  const program = buildProgram(ctx);
  program.hook("preAction", (_program, action) => {
    json = action.opts().json === true;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    return reported(io, error);
  }
}

/** The exit code of a run that threw, its one message written to stderr (commander wrote its own). */
function reported(io: CliIo, error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof NotConfirmed) {
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (error instanceof ConfigError || error instanceof CliRefusal) {
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  // Anything else is a fault, not a refusal: its message and its cause's, never a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `\n  caused by: ${error.cause.message}` : "";
  io.stderr.write(`${message}${cause}\n`);
  return 1;
}
