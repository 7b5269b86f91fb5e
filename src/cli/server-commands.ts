import type { Command } from "commander";
import { noRequest } from "../domain/actor.ts";
import { createAccount } from "../domain/users/accounts.ts";
import { toPublicUser } from "../domain/users/user.ts";
import { answer, type CliContext, cliActor, fail } from "./cli-context.ts";
import { newPassword } from "./password-input.ts";

/** `gatehouse serve|migrate|create-superuser`: running the server, its schema, and its first account. */
export function registerServerCommands(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("migrate the database and start the HTTP server")
    .action(async () => {
      // Only ever run by main.ts's process: the server and its signal handlers belong to it.
      const config = ctx.config();
      const { startServer } = await import("../server.ts");
      const server = await startServer(config);
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          server.app.log.info({ signal }, "shutting down");
          server.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        });
      }
    });

  program
    .command("migrate")
    .description("apply pending database migrations and exit")
    .action(() =>
      ctx.withDeps(async (_deps, { migrations, emailBackfill }) => {
        const lines = [
          migrations.applied.length === 0
            ? `The database is up to date (version ${migrations.current}).`
            : `Applied migrations ${migrations.applied.join(", ")}; now at version ${migrations.current}.`,
        ];
        if (emailBackfill.filled > 0 || emailBackfill.rewritten > 0) {
          lines.push(
            `E-mail addresses: ${emailBackfill.filled} given a confusable skeleton, ${emailBackfill.rewritten} rewritten to their normalized form.`,
          );
        }
        if (emailBackfill.lookAlikes.length > 0) {
          lines.push(
            `${emailBackfill.lookAlikes.length} accounts from before the look-alike check look like an earlier account; review them: ${emailBackfill.lookAlikes.join(", ")}`,
          );
        }
        answer(ctx, lines, { migrations, emailBackfill });
      }),
    );

  program
    .command("create-superuser")
    .description("create a superuser account (there is no default account)")
    .requiredOption("--email <email>", "the account's e-mail address")
    .option("--name <name>", "display name", "")
    .option("--password-stdin", "read the password from standard input instead of prompting")
    .action(async (options: { email: string; name: string; passwordStdin?: boolean }) => {
      const password = await newPassword(ctx, options.passwordStdin === true, "Password for the new superuser: ");
      await ctx.withDeps(async (deps) => {
        const result = await createAccount(
          deps,
          cliActor,
          { email: options.email, password, name: options.name, role: "superuser" },
          noRequest,
          null,
        );
        if (!result.ok) fail(result);
        answer(ctx, `Created superuser ${result.user.email} (id ${result.user.id}).`, toPublicUser(result.user));
      });
    });
}
