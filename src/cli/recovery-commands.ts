import type { Command } from "commander";
import { type Actor, noRequest } from "../domain/actor.ts";
import { issueRecoveryLink } from "../domain/recovery/recovery-admin.ts";
import { recoveryUrl } from "../domain/recovery/recovery-link.ts";
import { setPasswordAsAdmin } from "../domain/recovery/set-password.ts";
import { fail, resolveUserId, type WithDeps } from "./operator-commands.ts";
import { promptPassword, readPasswordFromStdin } from "./read-password.ts";

/**
 * @module
 * `gatehouse users set-password|reset-link`: recovering an account at the command line, through the same
 * use cases as the API and the pages, as actor `cli` (docs/recovery.md). The operator outranks every role,
 * so these work for the last superuser too.
 */
const cli: Actor = { type: "cli" };

export function registerRecoveryCommands(users: Command, withDeps: WithDeps, publicUrl: () => URL): void {
  users
    .command("set-password <user>")
    .description("set a user's password (id or e-mail): every session of theirs ends, any recovery link dies")
    .option("--password-stdin", "read the password from standard input instead of prompting")
    .action((user: string, options: { passwordStdin?: boolean }) =>
      withDeps(async (deps) => {
        const targetId = await resolveUserId(deps, user);
        const password = options.passwordStdin
          ? await readPasswordFromStdin()
          : await askTwice(`New password for ${user}: `);
        const result = await setPasswordAsAdmin(deps, cli, targetId, password, noRequest);
        if (!result.ok) fail(result);
        console.log(`Password of ${result.userId} set; ${result.sessionsRevoked} session(s) ended.`);
      }),
    );

  users
    .command("reset-link <user>")
    .description("create a single-use recovery link for a user (id or e-mail); it replaces their previous one")
    .action((user: string) =>
      withDeps(async (deps) => {
        const url = publicUrl();
        const result = await issueRecoveryLink(deps, cli, await resolveUserId(deps, user), noRequest);
        if (!result.ok) fail(result);
        console.log(
          `Recovery link for ${result.userId}, valid until ${new Date(result.expiresAt).toISOString()}; give it to the account's owner only:`,
        );
        console.log(recoveryUrl(url, result.link));
      }),
    );
}

/** On a terminal the password is typed twice, without echo: a typo would lock the owner out again. */
async function askTwice(question: string): Promise<string> {
  const first = await promptPassword(question);
  const second = await promptPassword("Again, to confirm: ");
  if (first !== second) fail({ ok: false, code: "VALIDATION_FAILED", detail: "The two passwords differ." });
  return first;
}
