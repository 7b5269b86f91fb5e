import { Command } from "commander";
import { ConfigError, loadDotEnv, parseConfig } from "../config.ts";
import { noRequest } from "../domain/actor.ts";
import { createAccount } from "../domain/users/accounts.ts";
import { apiVersion } from "../http/openapi/openapi-document.ts";
import { openDeps, startServer } from "../server.ts";
import { migrations } from "../store/migrations.ts";
import { CliRefusal, fail, registerOperatorCommands, type WithDeps } from "./operator-commands.ts";
import { promptPassword, readPasswordFromStdin } from "./read-password.ts";
import { registerRecoveryCommands } from "./recovery-commands.ts";
import { registerSettingsCommands, type WithSettings } from "./settings-commands.ts";
import { registerTokenCommands } from "./token-commands.ts";
import { registerWebhookCommands } from "./webhook-commands.ts";

/** `gatehouse`: the server and its operator commands. Every act goes through the domain's use cases. */
const program = new Command()
  .name("gatehouse")
  .description("Accounts and sessions where deletion and revocation are secure by construction.")
  // The package's version (test/api/openapi-document.test.ts holds the two equal), and the schema this
  // build migrates to: what an operator asks before an upgrade or a bug report.
  .version(`gatehouse ${apiVersion} (database schema ${migrations.at(-1)?.version ?? 0})`, "-V, --version");

function config() {
  loadDotEnv();
  return parseConfig(process.env);
}

program
  .command("serve")
  .description("migrate the database and start the HTTP server")
  .action(async () => {
    const server = await startServer(config());
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
  .action(async () => {
    const { store, migrations, emailBackfill } = await openDeps(config());
    await store.close();
    console.log(
      migrations.applied.length === 0
        ? `The database is up to date (version ${migrations.current}).`
        : `Applied migrations ${migrations.applied.join(", ")}; now at version ${migrations.current}.`,
    );
    if (emailBackfill.filled > 0 || emailBackfill.rewritten > 0) {
      console.log(
        `E-mail addresses: ${emailBackfill.filled} given a confusable skeleton, ${emailBackfill.rewritten} rewritten to their normalized form.`,
      );
    }
    if (emailBackfill.lookAlikes.length > 0) {
      console.log(
        `${emailBackfill.lookAlikes.length} accounts from before the look-alike check look like an earlier account; review them: ${emailBackfill.lookAlikes.join(", ")}`,
      );
    }
  });

program
  .command("create-superuser")
  .description("create a superuser account (there is no default account)")
  .requiredOption("--email <email>", "the account's e-mail address")
  .option("--name <name>", "display name", "")
  .option("--password-stdin", "read the password from standard input instead of prompting")
  .action(async (options: { email: string; name: string; passwordStdin?: boolean }) => {
    const password = options.passwordStdin
      ? await readPasswordFromStdin()
      : await promptPassword("Password for the new superuser: ");
    const { deps, store } = await openDeps(config());
    try {
      const result = await createAccount(
        deps,
        { type: "cli" },
        { email: options.email, password, name: options.name, role: "superuser" },
        noRequest,
        null,
      );
      if (!result.ok) fail(result);
      console.log(`Created superuser ${result.user.email} (id ${result.user.id}).`);
    } finally {
      await store.close();
    }
  });

const withDeps: WithDeps = async (work) => {
  const { deps, store } = await openDeps(config());
  try {
    return await work(deps);
  } finally {
    await store.close();
  }
};
const users = registerOperatorCommands(program, withDeps);
registerRecoveryCommands(users, withDeps, () => config().publicUrl);
registerTokenCommands(program, withDeps);
registerWebhookCommands(program, withDeps);

const withSettings: WithSettings = async (work) => {
  const given = config();
  const { deps, store, sharedDisagreements } = await openDeps(given, { sharedSettings: "report" });
  try {
    return await work({ deps, given, disagreements: sharedDisagreements });
  } finally {
    await store.close();
  }
};
registerSettingsCommands(program, withSettings);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliRefusal) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? error.message : error);
    if (error instanceof Error && error.cause !== undefined) console.error("  caused by:", error.cause);
  }
  process.exit(1);
});
