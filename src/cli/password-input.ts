import { type CliContext, CliRefusal, fail } from "./cli-context.ts";
import { readAll } from "./cli-io.ts";

/**
 * A new password: the whole of standard input with --password-stdin, or typed twice on the terminal without
 * echo (a typo would lock the owner out). Without a terminal and without --password-stdin, nothing is asked.
 */
export async function newPassword(ctx: CliContext, fromStdin: boolean, question: string): Promise<string> {
  if (fromStdin) return readAll(ctx.io.stdin);
  if (!ctx.io.isTTY) {
    throw new CliRefusal("No terminal to ask for the password on: pass it with --password-stdin.");
  }
  const first = await ctx.io.ask(question, { hidden: true });
  const second = await ctx.io.ask("Again, to confirm: ", { hidden: true });
  if (first !== second) fail({ ok: false, code: "VALIDATION_FAILED", detail: "The two passwords differ." });
  return first;
}
