import { type Command, InvalidArgumentError, Option } from "commander";
import { noRequest } from "../domain/actor.ts";
import { type AuditEntry, type AuditOutcome, auditOutcomes } from "../domain/audit/audit-chain.ts";
import { exportAuditLog } from "../domain/audit/audit-export.ts";
import { readAuditLog, verifyAuditLog } from "../domain/audit/audit-log.ts";
import type { Deps } from "../domain/deps.ts";
import type { ErrorCode } from "../domain/errors.ts";
import { findUserByEmail } from "../domain/users/accounts.ts";
import { answer, type CliContext, CliRefusal, cliActor, fail, humanTime } from "./cli-context.ts";
import type { CliWriter } from "./cli-io.ts";
import { printable } from "./token-commands.ts";

/**
 * @module
 * `gatehouse audit verify|list|export`: the tamper-evident log, through its use cases (audit-log.ts,
 * audit-export.ts) as actor `cli`. `list` is one page, newest first, for people; `export` is every matching
 * entry as JSON lines, oldest first, streamed page by page (any size of log, flat memory).
 */
const instantPattern = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:\d\d))?$/;

/** A date (UTC midnight) or a time with its zone: never a local time that reads differently elsewhere. */
function instant(value: string): number {
  const at = instantPattern.test(value) ? Date.parse(value.replace(" ", "T")) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new InvalidArgumentError("Expected a date or a time with its zone, such as 2026-12-01 or 2026-12-01T14:00Z.");
  }
  return at;
}

function listLimit(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
    throw new InvalidArgumentError("Expected a whole number from 1 to 1000.");
  }
  return Number(value);
}

function entrySeq(value: string): number {
  if (!/^[1-9]\d{0,14}$/.test(value))
    throw new InvalidArgumentError("Expected an entry's seq, as the previous page named it.");
  return Number(value);
}

interface FilterOptions {
  actor?: string;
  target?: string;
  action?: string;
  outcome?: AuditOutcome;
  since?: number;
  until?: number;
}

function withFilterOptions(command: Command): Command {
  return command
    .option("--actor <user>", "only acts by this user (id or e-mail)")
    .option("--target <user>", "only acts on this user (id or e-mail; an erased user's id still matches)")
    .option("--action <action>", "only this action, such as users.delete or auth.login")
    .addOption(new Option("--outcome <outcome>", "only this outcome").choices(auditOutcomes))
    .addOption(
      new Option("--since <time>", "only entries at or after this date or time (UTC unless it says)").argParser(
        instant,
      ),
    )
    .addOption(new Option("--until <time>", "only entries before this date or time").argParser(instant));
}

/** An e-mail names its current account; anything else is taken as an id (erased accounts keep theirs in the log). */
async function userIdOf(deps: Deps, text: string): Promise<string> {
  if (!text.includes("@")) return text;
  const user = await findUserByEmail(deps.store, text);
  if (user === null) throw new CliRefusal(`USER_NOT_FOUND: No user with id or e-mail ${JSON.stringify(text)}.`);
  return user.id;
}

async function filterOf(deps: Deps, options: FilterOptions) {
  return {
    ...(options.actor === undefined ? {} : { actorId: await userIdOf(deps, options.actor) }),
    ...(options.target === undefined ? {} : { targetId: await userIdOf(deps, options.target) }),
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(options.outcome === undefined ? {} : { outcome: options.outcome }),
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
  };
}

/** Who an entry names, by e-mail where the account still exists (looked up once per id). */
function namer(deps: Deps): (id: string | null) => Promise<string> {
  const known = new Map<string, string>();
  return async (id) => {
    if (id === null) return "-";
    let name = known.get(id);
    if (name === undefined) {
      const user = id.startsWith("unknown:") ? null : await deps.store.getUserById(id);
      name = user === null ? id : `${user.email} (${id})`;
      known.set(id, name);
    }
    return name;
  };
}

async function entryLine(entry: AuditEntry, name: (id: string | null) => Promise<string>): Promise<string> {
  const actor = entry.actorType === "user" || entry.actorType === "token" ? await name(entry.actorId) : entry.actorType;
  const by = entry.actorType === "token" ? `token of ${actor}` : actor;
  const reason = entry.reason === null ? "" : `\treason=${printable(entry.reason)}`;
  const note = typeof entry.note === "string" ? `\tnote=${printable(entry.note)}` : "";
  return `${entry.seq}\t${humanTime(entry.at)}\t${by}\t${entry.action}\t${entry.outcome}\ttarget=${await name(entry.targetId)}${reason}${note}`;
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command("audit").description("the audit log");

  audit
    .command("verify")
    .description("check the audit log's hash chain; exits 1 if any entry was edited, inserted or removed")
    .action(() =>
      ctx.withDeps(async (deps) => {
        // The operator gets every broken entry, not the first hundred the web pages show.
        const result = await verifyAuditLog(deps, cliActor, noRequest, { maxReported: Number.POSITIVE_INFINITY });
        if (!result.ok) fail(result);
        const { verification } = result;
        if (verification.ok) {
          answer(
            ctx,
            `Audit log intact: ${verification.entries} entries, head ${verification.headHash}.`,
            verification,
          );
          return;
        }
        if (ctx.json()) {
          answer(ctx, [], verification);
          ctx.exitCode = 1;
          return;
        }
        const code: ErrorCode = "AUDIT_LOG_BROKEN";
        const lines = verification.broken.map((broken) => `  entry ${broken.seq}: ${broken.problem} [${broken.kind}]`);
        throw new CliRefusal(
          [
            `${code} at entry ${verification.brokenAt}: ${verification.problem} (${verification.entries} entries verified before it); ${verification.brokenCount} broken in all:`,
            ...lines,
          ].join("\n"),
        );
      }),
    );

  withFilterOptions(
    audit
      .command("list")
      .description("audit entries, newest first (seq, time, actor, action, outcome, target, reason)"),
  )
    .addOption(new Option("--limit <n>", "how many (1 to 1000, default 50)").argParser(listLimit))
    .addOption(
      new Option("--before <seq>", "the page of older entries, as the previous page named it").argParser(entrySeq),
    )
    .action((options: FilterOptions & { limit?: number; before?: number }) =>
      ctx.withDeps(async (deps) => {
        const before = options.before === undefined ? {} : { before: options.before };
        const query = { ...(await filterOf(deps, options)), ...before, limit: options.limit ?? 50 };
        const result = await readAuditLog(deps, cliActor, query, noRequest);
        if (!result.ok) fail(result);
        const name = namer(deps);
        if (result.entries.length === 0 && !ctx.json()) ctx.io.stdout.write("No audit entries.\n");
        for (const entry of result.entries) answer(ctx, await entryLine(entry, name), entry);
        if (result.nextBefore !== null && !ctx.json()) {
          ctx.io.stdout.write(`Older entries: add --before ${result.nextBefore}\n`);
        }
      }),
    );

  withFilterOptions(
    audit
      .command("export")
      .description(
        "every matching audit entry as JSON lines on stdout, oldest first, streamed (audited as audit.export)",
      ),
  ).action((options: FilterOptions) =>
    ctx.withDeps(async (deps) => {
      const result = await exportAuditLog(deps, cliActor, await filterOf(deps, options), noRequest);
      if (!result.ok) fail(result);
      for await (const entry of result.entries) {
        // Waits for a slow reader (a pipe into gzip, a network copy) instead of buffering the log.
        if (ctx.io.stdout.write(`${JSON.stringify(entry)}\n`) === false) await drained(ctx.io.stdout);
      }
    }),
  );
}

/** Resolves once a stream that said "full" may be written again (a writer without events never says so). */
function drained(stream: CliWriter): Promise<void> {
  return new Promise((resolve) => {
    if (stream.once === undefined) resolve();
    else stream.once("drain", resolve);
  });
}
