import { type Command, InvalidArgumentError, Option } from "commander";
import { noRequest } from "../domain/actor.ts";
import type { Deps } from "../domain/deps.ts";
import { type TokenScope, tokenLifetimeDays, tokenScopes } from "../domain/tokens/api-token.ts";
import {
  createApiToken,
  getApiToken,
  listApiTokens,
  revokeApiToken,
  type TokenView,
} from "../domain/tokens/token-admin.ts";
import { answer, answerList, type CliContext, cliActor, fail, resolveUser } from "./cli-context.ts";
import { confirmOrStop } from "./confirm.ts";

/**
 * @module
 * `gatehouse tokens create|list|revoke`: API tokens at the command line, through the same use cases as the
 * API and the pages, as actor `cli`. The operator may name any owner, but a token still never holds a scope
 * its owner's role lacks (createApiToken refuses it); the secret is printed once, by `create`, and never again.
 */
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

async function revocationPlan(deps: Deps, tokenId: string): Promise<string[]> {
  const read = await getApiToken(deps, cliActor, tokenId, noRequest);
  if (!read.ok) fail(read);
  const owner = await resolveUser(deps, read.token.ownerId);
  return [
    `Revoking API token ${read.token.id} (${printable(read.token.name)}; ${read.token.scopes.join(",")}) of ${owner.email}: its next request is refused.`,
  ];
}

export function registerTokenCommands(program: Command, ctx: CliContext): void {
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
      ctx.withDeps(async (deps) => {
        const owner = await resolveUser(deps, options.owner);
        const ownerId = owner.id;
        const input = {
          name: options.name,
          scopes: options.scope,
          ownerId,
          ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
        };
        const result = await createApiToken(deps, cliActor, input, noRequest);
        if (!result.ok) fail(result);
        const { view } = result;
        answer(
          ctx,
          [
            `Created API token ${view.id} for ${owner.email} (id ${view.ownerId}; scopes ${view.scopes.join(",")}; expires ${view.expiresAt}).`,
            "The token, shown only this once:",
            result.token,
          ],
          { token: view, secret: result.token },
        );
      }),
    );

  tokens
    .command("list <user>")
    .description("list a user's API tokens (id, name, scopes, dates; never a secret)")
    .action((user: string) =>
      ctx.withDeps(async (deps) => {
        const owner = await resolveUser(deps, user);
        const result = await listApiTokens(deps, cliActor, owner.id, noRequest);
        if (!result.ok) fail(result);
        answerList(ctx, result.tokens, tokenLine, (token) => token, `${owner.email} has no API tokens.`);
      }),
    );

  tokens
    .command("revoke <token-id>")
    .description("revoke an API token: its next request is refused; asks first")
    .option("--yes", "do not ask for confirmation (needed without a terminal)")
    .action((tokenId: string, options: { yes?: true }) =>
      ctx.withDeps(async (deps) => {
        if (options.yes !== true) {
          // Read only to show a person what goes: without a terminal the gate stops before any read.
          const plan = ctx.io.isTTY ? await revocationPlan(deps, tokenId) : [];
          await confirmOrStop(ctx, { yes: false, plan, act: "revoke the token" });
        }
        const result = await revokeApiToken(deps, cliActor, tokenId, noRequest);
        if (!result.ok) fail(result);
        answer(ctx, `Revoked API token ${result.revoked.id} of ${result.revoked.ownerId}.`, result.revoked);
      }),
    );
}
