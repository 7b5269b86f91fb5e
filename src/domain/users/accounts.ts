import { type Actor, type Authenticated, actorOf, type RequestMeta } from "../actor.ts";
import { lockParties } from "../admin/admin-act.ts";
import { checkGrantedRole } from "../admin/authz.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { recordEvents } from "../events/record-events.ts";
import { revocationFacts } from "../events/user-event.ts";
import type { StoreReads, StoreTx } from "../ports.ts";
import { type StartedSession, startSession } from "../sessions/session-lifecycle.ts";
import { legacyEmailKey, normalizeEmail, parseEmail } from "./email.ts";
import { checkPassword } from "./password-policy.ts";
import type { Role } from "./role.ts";
import { maxNameLength, noPasswordHash, type SignedInUser, type UserRecord, type UserStatus } from "./user.ts";

export interface NewAccount {
  readonly email: string;
  /**
   * Null: an account without a password (one an identity provider provisions over SCIM). It stores
   * `noPasswordHash`, which no password verifies against (issue 13: until its owner sets one through a
   * recovery flow, which Gatehouse does not have yet).
   */
  readonly password: string | null;
  readonly name?: string;
  readonly role: Role;
  /** What an identity provider calls the account (SCIM `externalId`), unique. */
  readonly externalId?: string;
  /** Created disabled: an identity provider may provision an account that is not active yet. */
  readonly status?: UserStatus;
  /** The password's hash computed earlier, in place of `password` (a verified sign-up hashed it when asked). */
  readonly passwordHash?: string;
  /**
   * Runs first in the creating transaction: a refusal stops the creation (what it wrote commits). A verified
   * sign-up consumes its pending row here, so the row and the account cannot both exist.
   */
  readonly claim?: (tx: StoreTx) => Promise<Refusal | null>;
}

/**
 * Creates an account: the one path by which a user row comes to exist (sign-up, the CLI's
 * create-superuser, and the admin API). The password is hashed before the transaction opens, so an
 * administrator's creation locks and re-reads its actor inside the transaction, as every admin act does:
 * an actor demoted, disabled or deleted while its request was hashing creates nothing. The address is
 * stored in its normalized form (domain/users/email.ts); one that looks like an existing account's (same
 * confusable skeleton, kept unique by the store) is refused exactly as a taken one is.
 */
export async function createAccount(
  deps: Deps,
  actor: Actor,
  account: NewAccount,
  meta: RequestMeta,
  withSession: { replacedSessionId: string | null } | null,
): Promise<Ok<{ user: UserRecord; started: StartedSession | null }> | Refusal> {
  const email = parseEmail(account.email);
  if (!email.ok) return email;
  const weak = account.password === null ? null : checkPassword(account.password);
  if (weak !== null) return weak;
  // Every edge bounds a name to this; the CLI's --name is held to it here, so no account has a longer one.
  if ((account.name ?? "").trim().length > maxNameLength) return refuse("VALIDATION_FAILED", "The name is too long.");
  const passwordHash =
    account.passwordHash ?? (account.password === null ? noPasswordHash : await deps.hasher.hash(account.password));
  const externalId = account.externalId ?? null;
  const now = deps.clock.now();
  const user: UserRecord = {
    id: deps.random.uuid(),
    email: email.email,
    name: (account.name ?? "").trim(),
    role: account.role,
    status: account.status ?? "active",
    passwordHash,
    createdAt: now,
    updatedAt: now,
    purgeAfter: null,
  };
  return deps.store.transaction(async (tx) => {
    if (actor.type === "user") {
      const parties = await lockParties(tx, actor, "users.create", null);
      if (!parties.ok) return recordDenial(deps, actor, meta, "users.create", null, parties, tx);
      const rank = checkGrantedRole(parties.actor, account.role);
      if (rank !== null) return recordDenial(deps, actor, meta, "users.create", null, rank, tx);
    }
    if (account.claim !== undefined) {
      const refused = await account.claim(tx);
      if (refused !== null) return refused;
    }
    if (externalId !== null && (await tx.getUserByExternalId(externalId)) !== null) return refuse("EXTERNAL_ID_TAKEN");
    // A concurrent creation with the same external id makes this insert fail too: answered EMAIL_TAKEN,
    // the same 409 to an identity provider (its SCIM error is `uniqueness` either way).
    if (!(await tx.insertUser(user, email.email, externalId))) return refuse("EMAIL_TAKEN");
    const audit = await tx.appendAudit(
      auditEntry(actor, meta, now, {
        action: "user.create",
        outcome: "success",
        targetId: user.id,
        details: {
          role: user.role,
          ...(account.password === null && account.passwordHash === undefined ? { password: false } : {}),
        },
      }),
    );
    await recordEvents(tx, deps, actor, audit, [{ type: "user.created", userId: user.id }]);
    const started =
      withSession === null ? null : await startSession(tx, deps, user, meta, withSession.replacedSessionId);
    return { ok: true as const, user, started };
  });
}

export async function signUp(
  deps: Deps,
  input: { email: string; password: string; name?: string },
  meta: RequestMeta,
  replacedSessionId: string | null,
): Promise<Ok<{ user: UserRecord; started: StartedSession }> | Refusal> {
  if (!deps.signupOpen) return refuse("SIGNUP_CLOSED");
  // Sign-up always creates an ordinary user, whatever else the body says.
  const result = await createAccount(deps, { type: "anonymous" }, { ...input, role: "user" }, meta, {
    replacedSessionId,
  });
  if (!result.ok) return result;
  if (result.started === null) throw new Error("sign-up must start a session");
  return { ok: true, user: result.user, started: result.started };
}

/**
 * The account an address names, typed in any form that normalizes to its key. An account the schema 4
 * upgrade left under its old key (its new key was another's) is found by the old form first, so it still
 * signs in with the address exactly as it registered it.
 */
export async function findUserByEmail(store: StoreReads, email: string): Promise<UserRecord | null> {
  const key = normalizeEmail(email);
  const legacy = legacyEmailKey(email);
  if (legacy !== key) {
    const registered = await store.getUserByEmail(legacy);
    if (registered !== null) return registered;
  }
  return store.getUserByEmail(key);
}

/** Why a correct password did not sign in: the account's state, with the grace period's end if it has one. */
function inactiveRefusal(user: UserRecord): Refusal {
  if (user.purgeAfter === null) return refuse("ACCOUNT_DISABLED");
  return {
    ok: false,
    code: "ACCOUNT_DELETION_PENDING",
    detail: `An administrator can restore it until ${new Date(user.purgeAfter).toISOString()}; after that it is erased.`,
    restorableUntil: user.purgeAfter,
  };
}

/**
 * Password login. An unknown address and a wrong password answer INVALID_CREDENTIALS after the same
 * amount of hashing work, so the answer reveals nothing. A disabled account, or one scheduled for deletion,
 * says so only to someone who gave its correct password (issue 16.4): they know the account exists, and
 * are owed the reason instead of being told the password is wrong; a wrong password answers as always. The user is
 * locked and re-checked inside the transaction that creates the session: a deletion, disabling or password
 * change that commits first makes this login fail, and one that commits after revokes the new session.
 */
export async function logIn(
  deps: Deps,
  input: { email: string; password: string },
  meta: RequestMeta,
  replacedSessionId: string | null,
): Promise<Ok<{ user: UserRecord; started: StartedSession }> | Refusal> {
  const candidate = await findUserByEmail(deps.store, input.email);
  const matches = await deps.hasher.verify(candidate?.passwordHash ?? null, input.password);
  const anonymous: Actor = { type: "anonymous" };
  const result = await auditFailures(deps, anonymous, meta, "session.login", candidate?.id ?? null, () =>
    deps.store.transaction(async (tx) => {
      const user = candidate === null || !matches ? null : await tx.lockUser(candidate.id);
      const usable = user !== null && user.status === "active" && user.passwordHash === candidate?.passwordHash;
      if (!usable) {
        await tx.appendAudit(
          auditEntry({ type: "anonymous" }, meta, deps.clock.now(), {
            action: "session.login",
            outcome: "failure",
            targetId: candidate?.id ?? null,
            reason: candidate === null ? "unknown account" : !matches ? "wrong password" : "account not active",
          }),
        );
        return user === null || user.passwordHash !== candidate?.passwordHash
          ? refuse("INVALID_CREDENTIALS")
          : inactiveRefusal(user);
      }
      const started = await startSession(tx, deps, user, meta, replacedSessionId);
      // In the login's own transaction, with its session: the session check itself never writes it.
      await tx.recordLogin(user.id, deps.clock.now());
      await tx.appendAudit(
        auditEntry({ type: "user", user, session: started.session }, meta, deps.clock.now(), {
          action: "session.login",
          outcome: "success",
          targetId: user.id,
        }),
      );
      return { ok: true as const, user, started };
    }),
  );
  return result;
}

/**
 * Changing the password ends every session of the user, this one included, and starts a fresh session
 * for this client (ASVS 7.4.3): a thief holding an old cookie is out the moment the owner changes it.
 */
export async function changePassword(
  deps: Deps,
  auth: Authenticated,
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
): Promise<Ok<{ started: StartedSession; sessionsRevoked: number }> | Refusal> {
  const matches = await deps.hasher.verify(await deps.store.getPasswordHash(auth.user.id), input.currentPassword);
  if (!matches) {
    const refusal = refuse("WRONG_PASSWORD", "The current password is incorrect.");
    return recordDenial(deps, actorOf(auth), meta, "user.password_change", auth.user.id, refusal);
  }
  const weak = checkPassword(input.newPassword);
  if (weak !== null) return weak;
  const passwordHash = await deps.hasher.hash(input.newPassword);
  return auditFailures(deps, actorOf(auth), meta, "user.password_change", auth.user.id, () =>
    deps.store.transaction(async (tx) => {
      const user = await tx.lockUser(auth.user.id);
      if (user === null || user.status !== "active") return refuse("UNAUTHENTICATED");
      const now = deps.clock.now();
      await tx.updateUser(user.id, { passwordHash }, now);
      const revoked = await tx.deleteUserSessions(user.id, auth.session.id);
      const started = await startSession(tx, deps, { ...user, passwordHash }, meta, auth.session.id);
      const audit = await tx.appendAudit(
        auditEntry(actorOf(auth), meta, now, {
          action: "user.password_change",
          outcome: "success",
          targetId: user.id,
          details: { sessionsRevoked: revoked + 1 },
        }),
      );
      // Every session of the user ended, this one included (the client got a fresh one): a downstream cache
      // drops them all.
      await recordEvents(tx, deps, actorOf(auth), audit, revocationFacts(user.id, "password_change", revoked + 1));
      return { ok: true as const, started, sessionsRevoked: revoked };
    }),
  );
}

export async function updateProfile(
  deps: Deps,
  auth: Authenticated,
  input: { name: string },
  meta: RequestMeta,
): Promise<SignedInUser> {
  const name = input.name.trim();
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.updateUser(auth.user.id, { name }, now);
    const audit = await tx.appendAudit(
      auditEntry(actorOf(auth), meta, now, {
        action: "user.update_profile",
        outcome: "success",
        targetId: auth.user.id,
      }),
    );
    await recordEvents(tx, deps, actorOf(auth), audit, [
      { type: "user.updated", userId: auth.user.id, changed: ["name"] },
    ]);
  });
  return { ...auth.user, name, updatedAt: now };
}
