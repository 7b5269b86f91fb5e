import type { Actor, RequestMeta } from "../actor.ts";
import { recordDenial } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { signupAttemptMail } from "../mail/signup-attempt-mail.ts";
import { signupVerificationMail } from "../mail/signup-verification-mail.ts";
import type { StoreTx } from "../ports.ts";
import type { StartedSession } from "../sessions/session-lifecycle.ts";
import { secretMatches } from "../sessions/session-token.ts";
import { createAccount, findUserByEmail } from "./accounts.ts";
import { parseEmail } from "./email.ts";
import { checkPassword } from "./password-policy.ts";
import {
  newPendingSignup,
  type PendingSignupRecord,
  parseSignupLink,
  publicPageUrl,
  signupLinkLifetimeMs,
  signupVerifyUrl,
} from "./pending-signup.ts";
import { maxNameLength, type UserRecord } from "./user.ts";

/**
 * @module
 * Sign-up with e-mail verification (mail configured; docs/recovery.md): the answer to a sign-up is one
 * sentence whether the address is new or taken, after the same work (the input checked, the password hashed
 * in both cases). Then, after the answer (domain/mail/mail-queue.ts), a new address gets a pending sign-up
 * and a verification link; a taken one's owner is told someone tried (no link in it). The account comes to
 * exist when the link is used, through createAccount (the one way a user row comes to exist), which consumes
 * the pending row in the same transaction: of any number of uses of one link, exactly one creates it. A
 * used, expired, replaced or malformed link, and one for an address that became an account's meanwhile,
 * all get SIGNUP_LINK_INVALID, audited as a denied `user.signup_verify` (within the denial budget).
 */
export const signupAcceptedAnswer = "Check your inbox: we sent a link to finish signing up.";

const invalid = refuse("SIGNUP_LINK_INVALID");
const anonymous: Actor = { type: "anonymous" };

/** `allowed`: the edge's per-address mail budget, reserved for every request alike (past it: the same answer). */
export async function requestSignUp(
  deps: Deps,
  input: { readonly email: string; readonly password: string; readonly name?: string; readonly allowed: boolean },
): Promise<Ok<{ message: string }> | Refusal> {
  if (!deps.signupOpen) return refuse("SIGNUP_CLOSED");
  const mailer = deps.mailer;
  if (mailer === null) return refuse("MAIL_NOT_CONFIGURED");
  // What is refused here is refused for a new and a taken address alike: it depends on the text only.
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const weak = checkPassword(input.password);
  if (weak !== null) return weak;
  const name = (input.name ?? "").trim();
  if (name.length > maxNameLength) return refuse("VALIDATION_FAILED", "The name is too long.");
  // Hashed whether or not the address is taken: the answer's time must not tell them apart.
  const passwordHash = await deps.hasher.hash(input.password);
  mailer.enqueue("signup_verification", async () => {
    if (!input.allowed) return null;
    const owner = await findUserByEmail(deps.store, email.email);
    if (owner !== null) return signupAttemptMail(owner.email, publicPageUrl(deps.publicUrl, "/login"));
    const fields = { emailKey: email.email, email: email.email, name, passwordHash };
    const pending = newPendingSignup(deps.random, fields, deps.clock.now());
    await deps.store.transaction((tx) => tx.replacePendingSignup(pending.record));
    const url = signupVerifyUrl(deps.publicUrl, pending.link);
    return signupVerificationMail(email.email, url, signupLinkLifetimeMs / 60_000);
  });
  return { ok: true, message: signupAcceptedAnswer };
}

/** Using the link: the account created and signed in (replacing any session the client presented). */
export async function verifySignUp(
  deps: Deps,
  link: string,
  meta: RequestMeta,
  replacedSessionId: string | null,
): Promise<Ok<{ user: UserRecord; started: StartedSession }> | Refusal> {
  const presented = parseSignupLink(link);
  if (presented === null) return recordDenial(deps, anonymous, meta, "user.signup_verify", null, invalid);
  const known = await deps.store.getPendingSignup(presented.id);
  if (!honoured(deps, presented.secret, known)) {
    return recordDenial(deps, anonymous, meta, "user.signup_verify", null, invalid);
  }
  const claim = async (tx: StoreTx): Promise<Refusal | null> => {
    const row = await tx.lockPendingSignup(presented.id);
    // Used by a concurrent request (which won), replaced by a newer sign-up, or swept.
    if (!honoured(deps, presented.secret, row) || !(await tx.deletePendingSignup(row.id))) return invalid;
    return null;
  };
  const created = await createAccount(
    deps,
    anonymous,
    { email: known.email, password: null, passwordHash: known.passwordHash, name: known.name, role: "user", claim },
    meta,
    { replacedSessionId },
  );
  if (!created.ok) {
    // EMAIL_TAKEN: the address (or a look-alike of it) became an account's since; the row is gone with the claim.
    return recordDenial(deps, anonymous, meta, "user.signup_verify", null, invalid);
  }
  if (created.started === null) throw new Error("a verified sign-up must start a session");
  return { ok: true, user: created.user, started: created.started };
}

function honoured(deps: Deps, secret: string, row: PendingSignupRecord | null): row is PendingSignupRecord {
  return row !== null && secretMatches(secret, row.secretHash) && deps.clock.now() < row.expiresAt;
}

/** The minute job's part: pending sign-ups past their lifetime, deleted in batches; returns how many. */
export async function sweepExpiredSignups(deps: Deps): Promise<number> {
  const batch = 500;
  let total = 0;
  for (;;) {
    const deleted = await deps.store.deleteExpiredPendingSignups(deps.clock.now(), batch);
    total += deleted;
    if (deleted < batch) return total;
  }
}
