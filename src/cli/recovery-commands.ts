import type { Command } from "commander";
import { noRequest } from "../domain/actor.ts";
import { issueRecoveryLink } from "../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../domain/recovery/recovery-link.ts";
import { setPasswordAsAdmin } from "../domain/recovery/set-password.ts";
import { answer, type CliContext, cliActor, count, fail, resolveUser } from "./cli-context.ts";
import { newPassword } from "./password-input.ts";

/**
 * @module
 * `gatehouse users set-password|reset-link`: recovering an account at the command line, through the same
 * use cases as the API and the pages, as actor `cli` (docs/recovery.md). The operator outranks every role,
 * so these work for the last superuser too.
 */
export function registerRecoveryCommands(users: Command, ctx: CliContext): void {
  users
    .command("set-password <user>")
    .description("set a user's password (id or e-mail): every session of theirs ends, any recovery link dies")
    .option("--password-stdin", "read the password from standard input instead of prompting")
    .action((user: string, options: { passwordStdin?: boolean }) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        const password = await newPassword(ctx, options.passwordStdin === true, `New password for ${target.email}: `);
        const result = await setPasswordAsAdmin(deps, cliActor, target.id, password, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `Password of ${target.email} (id ${result.userId}) set; ${count(result.sessionsRevoked, "session")} ended.`,
          { userId: result.userId, sessionsRevoked: result.sessionsRevoked },
        );
      }),
    );

  users
    .command("reset-link <user>")
    .description("create a single-use recovery link for a user (id or e-mail); it replaces their previous one")
    .action((user: string) =>
      ctx.withDeps(async (deps) => {
        const url = ctx.config().publicUrl;
        const target = await resolveUser(deps, user);
        const result = await issueRecoveryLink(deps, cliActor, target.id, noRequest);
        if (!result.ok) fail(result);
        const expiresAt = new Date(result.expiresAt).toISOString();
        const link = recoveryUrl(url, result.link);
        answer(
          ctx,
          [
            `Recovery link for ${target.email} (id ${result.userId}), valid until ${expiresAt}; give it to the account's owner only:`,
            link,
          ],
          { userId: result.userId, expiresAt, url: link },
        );
      }),
    );
}
