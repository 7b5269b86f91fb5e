import { Argument, type Command, Option } from "commander";
import { noRequest } from "../domain/actor.ts";
import {
  createUserAsAdmin,
  listUserSessions,
  listUsers,
  restoreUser,
  updateUserAsAdmin,
} from "../domain/admin/user-admin.ts";
import { type DeletionReceipt, deleteUser, purgeDueUsers } from "../domain/deletion/delete-user.ts";
import { type DeletionPlan, planDeletion } from "../domain/deletion/deletion-plan.ts";
import type { Deps } from "../domain/deps.ts";
import { listApiTokens } from "../domain/tokens/token-admin.ts";
import { type Role, roles } from "../domain/users/role.ts";
import { toPublicUser, type UserRecord, type UserStatus, userStatuses } from "../domain/users/user.ts";
import { answer, type CliContext, cliActor, count, fail, humanTime, resolveUser } from "./cli-context.ts";
import { confirmOrStop } from "./confirm.ts";
import { newPassword } from "./password-input.ts";

/**
 * @module
 * `gatehouse users …` and `gatehouse purge`. They call the same use cases as the API, as actor `cli`: the
 * same transactions, target rules (the last superuser stays) and audit rows, attributed to the command line.
 * The destructive ones (delete, disable, purge) show what they will do and ask first (confirm.ts).
 */
const dayMs = 86_400_000;

const yesOption = () => new Option("--yes", "do not ask for confirmation (needed without a terminal)");

/** Every user, page by page, through the list use case. */
async function* allUsers(
  deps: Deps,
  filter: { search?: string; role?: Role; status?: UserStatus },
): AsyncIterable<UserRecord> {
  let after: string | undefined;
  do {
    const page = await listUsers(
      deps,
      cliActor,
      { ...filter, ...(after === undefined ? {} : { after }), limit: 100 },
      noRequest,
    );
    if (!page.ok) fail(page);
    yield* page.users;
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
}

function userLine(user: UserRecord): string {
  const pending = user.purgeAfter === null ? "" : ` purge-after=${new Date(user.purgeAfter).toISOString()}`;
  return `${user.id}\t${user.email}\t${user.role}\t${user.status}${pending}`;
}

/** The deletion plan (deletion-plan.ts) as the lines shown before the question. */
export function deletionPlanLines(target: UserRecord, plan: DeletionPlan, graceMs: number): string[] {
  const sessions = count(plan.sessionsToRevoke ?? 0, "session");
  const tokens = count(plan.tokensToRevoke ?? 0, "API token");
  return [
    `Deleting ${target.email} (id ${target.id}, ${target.role}):`,
    `  now: ${sessions} end, ${tokens} revoked, sign-in ends;`,
    plan.mode === "erase" || plan.purgeAfter === null
      ? "  the account and its personal data are erased now (no grace period): this cannot be undone."
      : `  the account and its personal data are erased on ${humanTime(plan.purgeAfter)} (grace period ${graceMs / dayMs} days); \`gatehouse users restore\` undoes it until then.`,
  ];
}

function receiptLine(email: string, receipt: DeletionReceipt): string {
  const ended = `${count(receipt.sessionsRevoked, "session")} ended, ${count(receipt.tokensRevoked, "API token")} revoked`;
  return receipt.status === "deleted" || receipt.purgeAfter === null
    ? `Deleted ${email} (id ${receipt.id}): erased; ${ended}.`
    : `Deleted ${email} (id ${receipt.id}): scheduled for erasure on ${humanTime(receipt.purgeAfter)}; ${ended}; \`gatehouse users restore\` undoes it until then.`;
}

/** Registers the commands; answers the `users` command, which other modules add subcommands to. */
export function registerOperatorCommands(program: Command, ctx: CliContext): Command {
  const users = program.command("users").description("manage user accounts");

  users
    .command("list")
    .description("list users (id, e-mail, role, status)")
    .option("--search <text>", "match e-mail or name")
    // Commander refuses any other value, naming the valid ones, before the action runs: the types below hold.
    .addOption(new Option("--role <role>", "only this role").choices(roles))
    .addOption(new Option("--status <status>", "only this status").choices(userStatuses))
    .action((options: { search?: string; role?: Role; status?: UserStatus }) =>
      ctx.withDeps(async (deps) => {
        const filter = {
          ...(options.search === undefined ? {} : { search: options.search }),
          ...(options.role === undefined ? {} : { role: options.role }),
          ...(options.status === undefined ? {} : { status: options.status }),
        };
        let none = true;
        for await (const user of allUsers(deps, filter)) {
          none = false;
          answer(ctx, userLine(user), toPublicUser(user));
        }
        if (none && !ctx.json()) ctx.io.stdout.write("No users.\n");
      }),
    );

  users
    .command("create <email>")
    .description("create an account; its password from the terminal (typed twice) or --password-stdin")
    .option("--name <name>", "display name", "")
    .addOption(new Option("--role <role>", "its role").choices(roles).default("user"))
    .option("--password-stdin", "read the password from standard input instead of prompting")
    .action(async (email: string, options: { name: string; role: Role; passwordStdin?: boolean }) => {
      const password = await newPassword(ctx, options.passwordStdin === true, `Password for ${email}: `);
      await ctx.withDeps(async (deps) => {
        const input = { email, password, name: options.name, role: options.role };
        const result = await createUserAsAdmin(deps, cliActor, input, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `Created ${result.user.role} ${result.user.email} (id ${result.user.id}).`,
          toPublicUser(result.user),
        );
      });
    });

  users
    .command("set-role")
    .description("change a user's role (id or e-mail); every session of theirs ends, so the new role holds at once")
    .argument("<user>", "id or e-mail")
    .addArgument(new Argument("<role>", "the new role").choices(roles))
    .action((user: string, role: Role) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        const result = await updateUserAsAdmin(deps, cliActor, target.id, { role }, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          target.role === role
            ? `${target.email} is ${role} already; nothing changed.`
            : `${target.email} (id ${target.id}) is now ${role} (was ${target.role}); ${count(result.sessionsRevoked, "session")} ended.`,
          {
            user: toPublicUser(result.user),
            sessionsRevoked: result.sessionsRevoked,
            tokensRevoked: result.tokensRevoked,
          },
        );
      }),
    );

  users
    .command("delete <user>")
    .description("delete a user (id or e-mail): shows the deletion plan, asks, then erases or schedules the erasure")
    .option("--reason <text>", "recorded in the audit log")
    .addOption(yesOption())
    .action((user: string, options: { reason?: string; yes?: true }) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        const plan = await planDeletion(deps, cliActor, target.id, noRequest);
        if (!plan.ok) fail(plan);
        // A blocked deletion (the last superuser) is not asked about: the use case refuses it, audited.
        if (plan.allowed) {
          await confirmOrStop(ctx, {
            yes: options.yes === true,
            plan: deletionPlanLines(target, plan, deps.deletionGraceMs),
            typeBack: target.email,
            act: "delete the user",
          });
        }
        const reason = options.reason === undefined ? {} : { reason: options.reason };
        const result = await deleteUser(deps, cliActor, target.id, reason, noRequest);
        if (!result.ok) fail(result);
        answer(ctx, receiptLine(target.email, result.receipt), result.receipt);
      }),
    );

  for (const [name, status] of [
    ["disable", "disabled"],
    ["enable", "active"],
  ] as const) {
    const command = users
      .command(`${name} <user>`)
      .description(
        status === "disabled"
          ? "disable a user (id or e-mail): every session ends and their API tokens are revoked; asks first"
          : "enable a disabled user (id or e-mail)",
      );
    if (status === "disabled") command.addOption(yesOption());
    command.action((user: string, options: { yes?: true }) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        if (status === "disabled" && target.status === "active") {
          const sessions = await listUserSessions(deps, cliActor, target.id, noRequest);
          if (!sessions.ok) fail(sessions);
          const tokens = await listApiTokens(deps, cliActor, target.id, noRequest);
          if (!tokens.ok) fail(tokens);
          await confirmOrStop(ctx, {
            yes: options.yes === true,
            plan: [
              `Disabling ${target.email} (id ${target.id}, ${target.role}): ${count(sessions.sessions.length, "session")} end, ${count(tokens.tokens.length, "API token")} revoked, sign-in refused until enabled.`,
            ],
            act: "disable the user",
          });
        }
        const result = await updateUserAsAdmin(deps, cliActor, target.id, { status }, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `${target.email} (id ${target.id}) is now ${status}; ${count(result.sessionsRevoked, "session")} ended, ${count(result.tokensRevoked, "API token")} revoked.`,
          {
            user: toPublicUser(result.user),
            sessionsRevoked: result.sessionsRevoked,
            tokensRevoked: result.tokensRevoked,
          },
        );
      }),
    );
  }

  users
    .command("restore <user>")
    .description("undo a scheduled deletion during its grace period")
    .action((user: string) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        const result = await restoreUser(deps, cliActor, target.id, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `${target.email} (id ${target.id}) is restored and ${result.user.status}.`,
          toPublicUser(result.user),
        );
      }),
    );

  program
    .command("purge")
    .description(
      "erase accounts whose deletion grace period has ended (the server also does this every minute); asks first",
    )
    .addOption(yesOption())
    .action((options: { yes?: true }) =>
      ctx.withDeps(async (deps) => {
        const now = deps.clock.now();
        const due: string[] = [];
        for await (const user of allUsers(deps, {})) {
          if (user.purgeAfter !== null && user.purgeAfter <= now) due.push(user.email);
        }
        if (due.length > 0) {
          const shown = due.slice(0, 10).join(", ");
          await confirmOrStop(ctx, {
            yes: options.yes === true,
            plan: [
              `Erasing ${count(due.length, "account")} whose grace period has ended, with their personal data: ${shown}${due.length > 10 ? ", …" : ""}.`,
            ],
            act: "purge",
          });
        }
        let total = 0;
        for (
          let batch = await purgeDueUsers(deps, noRequest);
          batch > 0;
          batch = await purgeDueUsers(deps, noRequest)
        ) {
          total += batch;
        }
        answer(ctx, `${count(total, "account")} erased.`, { purged: total });
      }),
    );
  return users;
}
