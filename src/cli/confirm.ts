import { type CliContext, NotConfirmed } from "./cli-context.ts";

/**
 * @module
 * The one gate of every destructive command: with --yes it goes ahead; on a terminal it shows what it will
 * do and asks (the e-mail typed back, or y/N); without a terminal and without --yes it stops, exit 2, having
 * changed nothing. The plan and the question go to stderr, so stdout stays the command's answer.
 */
export interface Confirmation {
  /** --yes was given. */
  readonly yes: boolean;
  /** What will happen, as lines for people. */
  readonly plan: readonly string[];
  /** What must be typed back (an e-mail, compared case-insensitively); undefined: y or yes. */
  readonly typeBack?: string;
  /** The act in a few words, for the refusal: "delete the user", "revoke the token". */
  readonly act: string;
}

export async function confirmOrStop(ctx: CliContext, confirmation: Confirmation): Promise<void> {
  if (confirmation.yes) return;
  if (!ctx.io.isTTY) {
    throw new NotConfirmed(
      `Not confirmed: there is no terminal to ask on, so nothing changed. Pass --yes to ${confirmation.act} without asking.`,
    );
  }
  for (const line of confirmation.plan) ctx.io.stderr.write(`${line}\n`);
  const expected = confirmation.typeBack;
  const typed = (await ctx.io.ask(expected === undefined ? "Go ahead? [y/N] " : "Type the e-mail to confirm: ")).trim();
  const agreed = expected === undefined ? /^y(es)?$/i.test(typed) : typed.toLowerCase() === expected.toLowerCase();
  if (!agreed) throw new NotConfirmed("Not confirmed: nothing changed.");
}
