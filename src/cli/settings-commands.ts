import { type Command, InvalidArgumentError } from "commander";
import { noRequest } from "../domain/actor.ts";
import { auditEntry } from "../domain/audit/audit-entry.ts";
import {
  checkedSharedValue,
  isSharedSettingName,
  type SharedSettingName,
  sharedSettingNames,
  sharedSettingRules,
} from "../shared-settings.ts";
import { answer, type CliContext, CliRefusal, cliActor } from "./cli-context.ts";

/**
 * @module
 * `gatehouse settings show|set`: the settings every process on one database shares (src/shared-settings.ts).
 * These commands open the database even when this environment disagrees with it (they exist to resolve
 * that); every other command refuses to act until it agrees. A change is audited as the CLI's act.
 */
function settingName(text: string): SharedSettingName {
  if (isSharedSettingName(text)) return text;
  throw new InvalidArgumentError(`Expected one of: ${sharedSettingNames.join(", ")}.`);
}

export function registerSettingsCommands(program: Command, ctx: CliContext): void {
  const settings = program
    .command("settings")
    .description("the settings every process on one database shares (docs/configuration.md)");

  settings
    .command("show")
    .description("each shared setting as the database holds it, and whether this environment agrees")
    .action(() =>
      ctx.withSettings(async ({ deps, given }) => {
        const stored = await deps.store.readSharedSettings();
        const machine: Record<string, { stored: string | null; environment: number | null }> = {};
        for (const name of sharedSettingNames) {
          const mine = given[sharedSettingRules[name].field] / sharedSettingRules[name].unitMs;
          const here = given.explicitSharedSettings.includes(name)
            ? String(stored[name]) === String(mine)
              ? `; this environment sets ${mine} too`
              : `; this environment sets ${mine}: every other command refuses to act until the two agree`
            : "";
          machine[name] = {
            stored: stored[name] ?? null,
            environment: given.explicitSharedSettings.includes(name) ? mine : null,
          };
          if (!ctx.json()) ctx.io.stdout.write(`${name} = ${stored[name] ?? "(not stored)"}${here}\n`);
        }
        if (ctx.json()) answer(ctx, [], machine);
      }),
    );

  settings
    .command("set")
    .description("change a shared setting in the database (audited); restart every process to take it")
    .argument("<name>", `one of ${sharedSettingNames.join(", ")}`, settingName)
    .argument("<value>", "a whole number in the setting's range")
    .action((name: SharedSettingName, value: string) =>
      ctx.withSettings(async ({ deps }) => {
        const checked = checkedSharedValue(name, value.trim());
        if (typeof checked === "string") throw new CliRefusal(`VALIDATION_FAILED: ${checked}`);
        const stored = await deps.store.readSharedSettings();
        const idle = name === "SESSION_IDLE_MINUTES" ? checked : Number(stored.SESSION_IDLE_MINUTES);
        const absolute = name === "SESSION_ABSOLUTE_HOURS" ? checked : Number(stored.SESSION_ABSOLUTE_HOURS);
        if (idle > absolute * 60) {
          throw new CliRefusal("VALIDATION_FAILED: SESSION_IDLE_MINUTES must not exceed SESSION_ABSOLUTE_HOURS");
        }
        const before = stored[name] ?? null;
        if (before === String(checked)) {
          answer(ctx, `${name} is ${checked} already; nothing changed.`, {
            name,
            from: before,
            to: before,
            changed: false,
          });
          return;
        }
        await deps.store.transaction(async (tx) => {
          const now = deps.clock.now();
          await tx.setSharedSetting(name, String(checked), now);
          await tx.appendAudit(
            auditEntry(cliActor, noRequest, now, {
              action: "settings.update",
              outcome: "success",
              targetId: null,
              details: { name, from: before, to: String(checked) },
            }),
          );
        });
        answer(
          ctx,
          `${name} is now ${checked} (was ${before ?? "not stored"}). Restart every Gatehouse process on this database: a running one keeps the value it started with, and one whose environment sets another value will refuse to start.`,
          { name, from: before, to: String(checked), changed: true },
        );
      }),
    );
}
