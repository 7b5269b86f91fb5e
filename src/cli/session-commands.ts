import type { Command } from "commander";
import { noRequest } from "../domain/actor.ts";
import { listUserSessions, revokeUserSessions } from "../domain/admin/user-admin.ts";
import type { SessionView } from "../domain/sessions/session-lifecycle.ts";
import { answer, answerList, type CliContext, cliActor, count, fail, resolveUser } from "./cli-context.ts";
import { confirmOrStop } from "./confirm.ts";
import { printable } from "./token-commands.ts";

/** `gatehouse sessions list|revoke`: a user's sessions, through the same use cases as the admin API. */
function sessionLine(session: SessionView): string {
  return `${session.id}\tcreated=${session.createdAt}\tlast-seen=${session.lastSeenAt}\texpires=${session.expiresAt}\tip=${session.ip}\t${printable(session.userAgent)}`;
}

export function registerSessionCommands(program: Command, ctx: CliContext): void {
  const sessions = program.command("sessions").description("manage sessions");

  sessions
    .command("list <user>")
    .description("a user's live sessions (id, created, last seen, expires, address, browser)")
    .action((user: string) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, user);
        const result = await listUserSessions(deps, cliActor, target.id, noRequest);
        if (!result.ok) fail(result);
        if (!ctx.json()) ctx.io.stdout.write(`${count(result.sessions.length, "live session")} of ${target.email}:\n`);
        answerList(ctx, result.sessions, sessionLine, (session) => session);
      }),
    );

  sessions
    .command("revoke")
    .description("end every session of a user; asks first")
    .requiredOption("--user <user>", "id or e-mail")
    .option("--yes", "do not ask for confirmation (needed without a terminal)")
    .action((options: { user: string; yes?: true }) =>
      ctx.withDeps(async (deps) => {
        const target = await resolveUser(deps, options.user);
        const live = await listUserSessions(deps, cliActor, target.id, noRequest);
        if (!live.ok) fail(live);
        await confirmOrStop(ctx, {
          yes: options.yes === true,
          plan: [
            `Ending ${count(live.sessions.length, "session")} of ${target.email} (id ${target.id}): each is signed out at its next request.`,
          ],
          act: "revoke the sessions",
        });
        const result = await revokeUserSessions(deps, cliActor, target.id, noRequest);
        if (!result.ok) fail(result);
        answer(ctx, `${count(result.sessionsRevoked, "session")} of ${target.email} ended.`, {
          sessionsRevoked: result.sessionsRevoked,
        });
      }),
    );
}
