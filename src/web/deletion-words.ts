/**
 * @module
 * Deletion told truthfully on every page that mentions it: with a grace period the account is restorable by
 * an admin until a named time, and only without one does anything "cannot be undone". The API keeps its own
 * strings (http/removal-text.ts); these are the pages' words, in the one date format.
 */
import type { DeletionPlan, Removal } from "../domain/deletion/deletion-plan.ts";
import { dateText } from "./dates.ts";

const removalNames: Readonly<Record<Removal["what"], string>> = {
  sessions: "every session",
  "api-tokens": "every API token",
  "sign-in": "sign-in",
  "personal-data": "the account and its personal data (e-mail, name, password hash)",
};

/** A removal in a plan, and when it happens: now, or at the end of the grace period (named). */
export function removalWords(removal: Removal, plan: Pick<DeletionPlan, "mode" | "purgeAfter">): string {
  const name = removalNames[removal.what];
  if (plan.mode !== "schedule" || removal.when === "now") return `${name}, at once`;
  return plan.purgeAfter === null ? `${name}, when the grace period ends` : `${name}, on ${dateText(plan.purgeAfter)}`;
}

/** What happens after a deletion, as one sentence: restorable until a time, or final. */
export function undoSentence(graceMs: number, now: number): string {
  if (graceMs <= 0) return "It cannot be undone.";
  return `An admin can restore it until ${dateText(now + graceMs)}; after that it is erased for good.`;
}

/** Self-service deletion in one paragraph: what it does at once, and whether it can be undone. */
export function selfDeletionWords(graceMs: number, now: number): string {
  const what = graceMs > 0 ? "disables your account at once" : "erases your account and its personal data";
  return `Deleting your account signs you out on every device and ${what}. ${undoSentence(graceMs, now)}`;
}
