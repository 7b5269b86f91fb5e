import { type Command, Option } from "commander";
import { type Actor, noRequest } from "../domain/actor.ts";
import { listUsers, restoreUser, revokeUserSessions, updateUserAsAdmin } from "../domain/admin/user-admin.ts";
import { verifyAuditLog } from "../domain/audit/audit-log.ts";
import { deleteUser, purgeDueUsers } from "../domain/deletion/delete-user.ts";
import type { Deps } from "../domain/deps.ts";
import { type ErrorCode, errorCodes, type Refusal, refuse } from "../domain/errors.ts";
import { findUserByEmail } from "../domain/users/accounts.ts";
import { type Role, roles } from "../domain/users/role.ts";
import { type UserStatus, userStatuses } from "../domain/users/user.ts";

/**
 * @module
 * Operator commands. They call the same use cases as the API, as actor `cli`: the same transactions,
 * target rules (the last superuser stays) and audit rows, attributed to the command line.
 */
const cli: Actor = { type: "cli" };

export type WithDeps = <T>(work: (deps: Deps) => Promise<T>) => Promise<T>;

/** A refusal as the command line prints it: `CODE: detail` on stderr, and exit code 1. */
export function fail(refusal: Refusal): never {
  throw new CliRefusal(`${refusal.code}: ${refusal.detail ?? errorCodes[refusal.code].title}`);
}

export class CliRefusal extends Error {
  override readonly name = "CliRefusal";
}

/** Users are named by id or by e-mail address on the command line. */
export async function resolveUserId(deps: Deps, idOrEmail: string): Promise<string> {
  if (idOrEmail.includes("@")) {
    const user = await findUserByEmail(deps.store, idOrEmail);
    if (user === null) fail(refuse("USER_NOT_FOUND", `no user with e-mail ${idOrEmail}`));
    return user.id;
  }
  return idOrEmail;
}

/** Registers the commands; answers the `users` command, which other modules add subcommands to. */
export function registerOperatorCommands(program: Command, withDeps: WithDeps): Command {
  const users = program.command("users").description("manage user accounts");

  users
    .command("list")
    .description("list users (id, e-mail, role, status)")
    .option("--search <text>", "match e-mail or name")
    // Commander refuses any other value, naming the valid ones, before the action runs: the types below hold.
    .addOption(new Option("--role <role>", "only this role").choices(roles))
    .addOption(new Option("--status <status>", "only this status").choices(userStatuses))
    .action((options: { search?: string; role?: Role; status?: UserStatus }) =>
      withDeps(async (deps) => {
        let after: string | undefined;
        do {
          const page = await listUsers(
            deps,
            cli,
            {
              ...(options.search === undefined ? {} : { search: options.search }),
              ...(options.role === undefined ? {} : { role: options.role }),
              ...(options.status === undefined ? {} : { status: options.status }),
              ...(after === undefined ? {} : { after }),
              limit: 100,
            },
            noRequest,
          );
          if (!page.ok) fail(page);
          for (const user of page.users) {
            const pending = user.purgeAfter === null ? "" : ` purge-after=${new Date(user.purgeAfter).toISOString()}`;
            console.log(`${user.id}\t${user.email}\t${user.role}\t${user.status}${pending}`);
          }
          after = page.nextCursor ?? undefined;
        } while (after !== undefined);
      }),
    );

  users
    .command("delete <user>")
    .description("delete a user (id or e-mail): sessions revoked, account erased or scheduled")
    .option("--reason <text>", "recorded in the audit log")
    .action((user: string, options: { reason?: string }) =>
      withDeps(async (deps) => {
        const result = await deleteUser(deps, cli, await resolveUserId(deps, user), options, noRequest);
        if (!result.ok) fail(result);
        console.log(JSON.stringify(result.receipt));
      }),
    );

  for (const [name, status] of [
    ["disable", "disabled"],
    ["enable", "active"],
  ] as const) {
    users
      .command(`${name} <user>`)
      .description(`${name} a user (id or e-mail)${status === "disabled" ? "; every session is revoked" : ""}`)
      .action((user: string) =>
        withDeps(async (deps) => {
          const result = await updateUserAsAdmin(deps, cli, await resolveUserId(deps, user), { status }, noRequest);
          if (!result.ok) fail(result);
          console.log(
            `${result.user.id} is now ${status}; ${result.sessionsRevoked} session(s) revoked, ${result.tokensRevoked} API token(s) revoked.`,
          );
        }),
      );
  }

  users
    .command("restore <user>")
    .description("undo a scheduled deletion during its grace period")
    .action((user: string) =>
      withDeps(async (deps) => {
        const result = await restoreUser(deps, cli, await resolveUserId(deps, user), noRequest);
        if (!result.ok) fail(result);
        console.log(`${result.user.id} is restored and active.`);
      }),
    );

  program
    .command("sessions")
    .description("manage sessions")
    .command("revoke")
    .description("revoke every session of a user")
    .requiredOption("--user <user>", "id or e-mail")
    .action((options: { user: string }) =>
      withDeps(async (deps) => {
        const result = await revokeUserSessions(deps, cli, await resolveUserId(deps, options.user), noRequest);
        if (!result.ok) fail(result);
        console.log(`${result.sessionsRevoked} session(s) revoked.`);
      }),
    );

  program
    .command("purge")
    .description("erase accounts whose deletion grace period has ended (the server also does this every minute)")
    .action(() =>
      withDeps(async (deps) => {
        let total = 0;
        for (
          let batch = await purgeDueUsers(deps, noRequest);
          batch > 0;
          batch = await purgeDueUsers(deps, noRequest)
        ) {
          total += batch;
        }
        console.log(`${total} account(s) purged.`);
      }),
    );

  program
    .command("audit")
    .description("the audit log")
    .command("verify")
    .description("check the audit log's hash chain; exits 1 if any entry was edited, inserted or removed")
    .action(() =>
      withDeps(async (deps) => {
        // The operator gets every broken entry, not the first hundred the web pages show.
        const result = await verifyAuditLog(deps, cli, noRequest, { maxReported: Number.POSITIVE_INFINITY });
        if (!result.ok) fail(result);
        const { verification } = result;
        if (verification.ok) {
          console.log(`Audit log intact: ${verification.entries} entries, head ${verification.headHash}.`);
        } else {
          const code: ErrorCode = "AUDIT_LOG_BROKEN";
          const lines = verification.broken.map(
            (broken) => `  entry ${broken.seq}: ${broken.problem} [${broken.kind}]`,
          );
          throw new CliRefusal(
            [
              `${code} at entry ${verification.brokenAt}: ${verification.problem} (${verification.entries} entries verified before it); ${verification.brokenCount} broken in all:`,
              ...lines,
            ].join("\n"),
          );
        }
      }),
    );
  return users;
}
