import { type Command, InvalidArgumentError, Option } from "commander";
import { type Actor, noRequest } from "../domain/actor.ts";
import { type TokenScope, tokenLifetimeDays, tokenScopes } from "../domain/tokens/api-token.ts";
import { createApiToken, listApiTokens, revokeApiToken, type TokenView } from "../domain/tokens/token-admin.ts";
import { fail, resolveUserId, type WithDeps } from "./operator-commands.ts";

/**
 * @module
 * `gatehouse tokens create|list|revoke`: API tokens at the command line, through the same use cases as the
 * API and the pages, as actor `cli`. The operator may name any owner, but a token still never holds a scope
 * its owner's role lacks (createApiToken refuses it); the secret is printed once, by `create`, and never again.
 */
const cli: Actor = { type: "cli" };

function wholeDays(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError("Expected a whole number of days.");
  return Number(value);
}

/**
 * A token's name as a terminal may show it: control and format characters (escape sequences, bidi
 * overrides), which the use case refuses in new names, are printed as `\u{…}` and never sent to the terminal.
 */
export function printable(text: string): string {
  return text.replace(
    /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

function tokenLine(token: TokenView): string {
  const used = token.lastUsedAt ?? "never-used";
  const expired = token.expired ? "\texpired" : "";
  return `${token.id}\t${printable(token.name)}\t${token.scopes.join(",")}\tcreated=${token.createdAt}\texpires=${token.expiresAt}\tlast-used=${used}${expired}`;
}

export function registerTokenCommands(program: Command, withDeps: WithDeps): void {
  const tokens = program.command("tokens").description("manage API tokens (docs/tokens.md)");

  tokens
    .command("create")
    .description("create an API token for a user; prints its id, then the secret, which is never shown again")
    .requiredOption("--owner <user>", "the owner: id or e-mail (their role must hold every scope)")
    .requiredOption("--name <name>", "what the token is for (at most 100 characters)")
    // Commander refuses any other value, naming the valid ones, before the action runs: the type below holds.
    .addOption(
      new Option("--scope <scope...>", "a scope; repeat for several").choices(tokenScopes).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--expires-in-days <days>",
        `lifetime in days (default ${tokenLifetimeDays.default}, at most ${tokenLifetimeDays.max})`,
      ).argParser(wholeDays),
    )
    .action((options: { owner: string; name: string; scope: TokenScope[]; expiresInDays?: number }) =>
      withDeps(async (deps) => {
        const ownerId = await resolveUserId(deps, options.owner);
        const input = {
          name: options.name,
          scopes: options.scope,
          ownerId,
          ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
        };
        const result = await createApiToken(deps, cli, input, noRequest);
        if (!result.ok) fail(result);
        const { view } = result;
        console.log(
          `Created API token ${view.id} for ${view.ownerId} (scopes ${view.scopes.join(",")}; expires ${view.expiresAt}).`,
        );
        console.log("The token, shown only this once:");
        console.log(result.token);
      }),
    );

  tokens
    .command("list <user>")
    .description("list a user's API tokens (id, name, scopes, dates; never a secret)")
    .action((user: string) =>
      withDeps(async (deps) => {
        const result = await listApiTokens(deps, cli, await resolveUserId(deps, user), noRequest);
        if (!result.ok) fail(result);
        for (const token of result.tokens) console.log(tokenLine(token));
      }),
    );

  tokens
    .command("revoke <token-id>")
    .description("revoke an API token: its next request is refused")
    .action((tokenId: string) =>
      withDeps(async (deps) => {
        const result = await revokeApiToken(deps, cli, tokenId, noRequest);
        if (!result.ok) fail(result);
        console.log(`Revoked API token ${result.revoked.id} of ${result.revoked.ownerId}.`);
      }),
    );
}
