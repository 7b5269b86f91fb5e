/**
 * @module
 * An audit entry in words: one formatter per action (what the act did, from its details), and a plain
 * fallback for an action this table does not know that still shows no internal field name. The details an
 * entry holds are the server's own (counts, roles, modes, ids), never text a caller chose.
 */
import type { AuditDetails, AuditEntry } from "../../domain/audit/audit-chain.ts";
import { type ErrorCode, errorCodes } from "../../domain/errors.ts";
import { dateText } from "../dates.ts";

type Sentence = (details: AuditDetails, entry: AuditEntry) => string;

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** "3 sessions ended", "1 session ended"; nothing for none. */
function counted(value: unknown, one: string, many: string, verb: string): string | null {
  const n = count(value);
  if (n === 0) return null;
  return `${n} ${n === 1 ? one : many} ${verb}`;
}

const sessionsEnded = (d: AuditDetails) => counted(d.sessionsRevoked, "session", "sessions", "ended");
const tokensRevoked = (d: AuditDetails) => counted(d.tokensRevoked, "API token", "API tokens", "revoked");

/** Clauses joined into one sentence: "Role changed from user to admin; 3 sessions ended." */
function sentence(...clauses: (string | null | false | undefined)[]): string {
  const said = clauses.filter((clause): clause is string => typeof clause === "string" && clause !== "");
  if (said.length === 0) return "";
  const text = said.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const when = (value: unknown): string | null =>
  typeof value === "string" || typeof value === "number" ? dateText(value) : null;

/** A space-separated list the server wrote ("users:read audit:read") as words: "users:read, audit:read". */
const listed = (value: unknown): string => text(value).split(" ").filter(Boolean).join(", ");

interface ActionWords {
  /** What the action picker calls it. */
  readonly label: string;
  readonly says: Sentence;
}

export const auditActionWords: Readonly<Record<string, ActionWords>> = {
  "session.login": { label: "Sign-in", says: () => "Signed in." },
  "session.logout": { label: "Sign-out", says: () => "Signed out." },
  "session.revoke": { label: "Device signed out", says: () => "Signed out one of their devices." },
  "session.revoke_others": {
    label: "Other devices signed out",
    says: (d) => sentence("signed out their other devices", sessionsEnded(d)),
  },
  "session.reauthenticate": { label: "Password confirmed", says: () => "Confirmed their password." },
  "user.create": {
    label: "Account created",
    says: (d) =>
      sentence(`account created with the role ${text(d.role)}`, d.password === false && "without a password"),
  },
  "user.update_profile": { label: "Profile changed", says: () => "Changed their profile." },
  "user.password_change": {
    label: "Password changed",
    says: (d) => sentence("changed their password", sessionsEnded(d)),
  },
  "user.recover": {
    label: "Account recovered",
    says: (d) => sentence("set a new password with a recovery link", sessionsEnded(d)),
  },
  "users.list": { label: "Users listed", says: () => "Listed the users." },
  "users.read": { label: "User viewed", says: () => "Viewed the user." },
  "users.create": {
    label: "User created",
    says: (d) => sentence(d.role === undefined ? "user created" : `user created with the role ${text(d.role)}`),
  },
  "users.update": {
    label: "User changed",
    says: (d, entry) =>
      sentence(
        typeof d.role === "string" && `role changed from ${text(d.fromRole)} to ${d.role}`,
        d.status === "disabled" && (reasonText(entry) === "" ? "disabled" : `disabled: reason ${reasonText(entry)}`),
        d.status === "active" && "enabled",
        d.nameChanged === true && "name changed",
        d.externalIdSet === true && "identity provider link set",
        d.externalIdSet === false && "identity provider link removed",
        sessionsEnded(d),
        tokensRevoked(d),
      ) || "Nothing changed.",
  },
  "users.delete": {
    label: "User deleted",
    says: (d) =>
      sentence(
        d.selfService === true ? "deleted their own account" : "deleted the user",
        d.mode === "scheduled" ? "restorable by an admin until the grace period ends" : "erased at once",
        sessionsEnded(d),
        tokensRevoked(d),
      ),
  },
  "users.deletion_plan": { label: "Deletion previewed", says: () => "Looked at what a deletion would do." },
  "users.restore": { label: "User restored", says: () => "Restored the user: the deletion is cancelled." },
  "users.purge": {
    label: "User erased after the grace period",
    says: (d) => sentence("erased at the end of the grace period", sessionsEnded(d), tokensRevoked(d)),
  },
  "users.sessions.read": { label: "User's sessions viewed", says: () => "Viewed the user's sessions." },
  "users.sessions.revoke": {
    label: "User's sessions ended",
    says: (d) => sentence(sessionsEnded(d) ?? "no session to end"),
  },
  "users.recovery_link": {
    label: "Recovery link issued",
    says: (d) =>
      sentence(
        when(d.expiresAt) === null ? "recovery link issued" : `recovery link issued, valid until ${when(d.expiresAt)}`,
        d.voided === true && "the previous link no longer works",
      ),
  },
  "users.password.set": {
    label: "Password set by an admin",
    says: (d) => sentence("password set by an admin", sessionsEnded(d)),
  },
  "audit.read": { label: "Audit log read", says: () => "Read the audit log." },
  "audit.verify": { label: "Audit log verified", says: () => "Verified the audit log." },
  "audit.denials_throttled": {
    label: "Refusals throttled",
    says: () => "Too many refusals in a minute: further ones from this source are counted, not listed.",
  },
  "events.read": { label: "Events read", says: () => "Read the events feed." },
  "sessions.introspect": { label: "Session checked by a service", says: () => "A service checked a session." },
  "tokens.create": {
    label: "API token created",
    says: (d) =>
      sentence(
        listed(d.scopes) === "" ? "API token created" : `API token created with the scopes ${listed(d.scopes)}`,
        when(d.expiresAt) !== null && `valid until ${when(d.expiresAt)}`,
      ),
  },
  "tokens.read": { label: "API tokens viewed", says: () => "Viewed API tokens." },
  "tokens.revoke": { label: "API token revoked", says: () => "API token revoked." },
  "webhooks.manage": { label: "Webhooks managed", says: () => "Managed webhook endpoints." },
  "webhooks.create": {
    label: "Webhook endpoint created",
    says: (d) =>
      sentence(
        "webhook endpoint created",
        listed(d.eventTypes) === "" ? "for every event" : `for ${listed(d.eventTypes)}`,
      ),
  },
  "webhooks.update": {
    label: "Webhook endpoint changed",
    says: (d) =>
      sentence(listed(d.changed) === "" ? "webhook endpoint saved" : `webhook endpoint changed: ${listed(d.changed)}`),
  },
  "webhooks.disable": {
    label: "Webhook endpoint disabled",
    says: (d) => sentence("webhook endpoint disabled", text(d.reason) !== "" && `because of ${text(d.reason)}`),
  },
  "webhooks.enable": { label: "Webhook endpoint enabled", says: () => "Webhook endpoint enabled." },
  "webhooks.rotate": {
    label: "Webhook secret rotated",
    says: (d) =>
      sentence(
        "signing secret rotated",
        when(d.previousSecretUntil) !== null && `the previous one signs until ${when(d.previousSecretUntil)}`,
      ),
  },
  "webhooks.delete": {
    label: "Webhook endpoint deleted",
    says: (d) =>
      sentence(
        "webhook endpoint deleted",
        counted(d.pendingDropped, "pending delivery", "pending deliveries", "dropped"),
      ),
  },
  "webhooks.test": {
    label: "Webhook test event",
    says: (d) =>
      sentence(typeof d.httpStatus === "number" ? `test event sent: HTTP ${d.httpStatus}` : "test event sent"),
  },
  "webhooks.redeliver": { label: "Webhook delivery sent again", says: () => "Delivery sent again." },
  "settings.update": {
    label: "Shared setting changed",
    says: (d) => sentence(`shared setting ${text(d.name)} changed from ${text(d.from)} to ${text(d.to)}`),
  },
};

/** The actions the picker offers, by their label. */
export const knownAuditActions: readonly { readonly action: string; readonly label: string }[] = Object.entries(
  auditActionWords,
)
  .map(([action, words]) => ({ action, label: words.label }))
  .sort((a, b) => a.label.localeCompare(b.label));

const wordsOf = (action: string): ActionWords | undefined =>
  Object.hasOwn(auditActionWords, action) ? auditActionWords[action] : undefined;

/** An action as people say it: its label, or for an unknown one its name as words ("Future thing"). */
export function actionLabel(action: string): string {
  const known = wordsOf(action);
  if (known !== undefined) return known.label;
  const words = action.replace(/[._]+/g, " ").trim();
  return words === "" ? "An action" : `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

const isCode = (reason: string): reason is ErrorCode => Object.hasOwn(errorCodes, reason);

/** The admin's own words (a note) while they exist; a note erased with the person it named says so. */
export function reasonText(entry: AuditEntry): string {
  if (entry.reason !== null && !isCode(entry.reason) && entry.reason !== "self-service") return entry.reason;
  if (entry.note !== undefined && entry.note !== null) return entry.note;
  return entry.noteMac === undefined ? "" : "(a reason was given; it was erased with the person it named)";
}

/** The entry in words: a refusal says why, a failure that it failed, a success what it did. */
export function describeEntry(entry: AuditEntry): string {
  if (entry.outcome === "denied") {
    const why =
      entry.reason !== null && isCode(entry.reason)
        ? errorCodes[entry.reason].title
        : entry.reason === null
          ? ""
          : `${entry.reason}.`;
    return `Refused${why === "" ? "." : `: ${why.charAt(0).toLowerCase()}${why.slice(1)}`}`;
  }
  if (entry.outcome === "failure") return "Failed: something went wrong inside Gatehouse, and nothing was changed.";
  const known = wordsOf(entry.action);
  const said = known === undefined ? `${actionLabel(entry.action)}.` : known.says(entry.details, entry);
  // A reason the act's own sentence did not already carry (a deletion's, a restore's).
  const reason = entry.action === "users.update" ? "" : reasonText(entry);
  return reason === "" ? said : `${said} Reason: ${reason}`;
}
