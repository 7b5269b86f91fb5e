import type { DeletionPlan, Removal } from "../domain/deletion/deletion-plan.ts";

const removalNames: Readonly<Record<Removal["what"], string>> = {
  sessions: "every session",
  "api-tokens": "every API token",
  "sign-in": "sign-in",
  "personal-data": "the account and its personal data",
};

/**
 * A deletion plan's removal in words, for the API's `removes` and the delete page alike. The API's answer
 * has always carried these very strings, so clients that show them keep working: an erasure takes
 * everything at once and says which personal data; a scheduled deletion says when each removal happens.
 */
export function removalText(removal: Removal, mode: DeletionPlan["mode"]): string {
  const name = removalNames[removal.what];
  if (mode === "schedule") return `${name} (${removal.when === "now" ? "now" : "at purgeAfter"})`;
  return removal.what === "personal-data" ? `${name} (e-mail, name, password hash)` : name;
}
