/**
 * @module
 * SCIM's acts on users, each through the use case every other edge uses: creation is createUserAsAdmin (an
 * account of role `user`, without a password), a change is updateUserAsAdmin (`active: false` is the disable:
 * every session and token of the user dies in its transaction; `active: true` the enable), deletion is
 * deleteUser (grace period, receipt, erasure). Permission, rank, self and last-superuser rules are theirs, so
 * they hold through SCIM as through the admin API, and every act and refusal is audited with the token.
 *
 * A user whose deletion is pending is gone for SCIM (404 on read, change and delete; absent from lists) while
 * their address stays taken: the identity provider deleted them, and only an administrator can restore them.
 */
import type { Actor, RequestMeta } from "../actor.ts";
import { type AdminUserPatch, createUserAsAdmin, getUser, updateUserAsAdmin } from "../admin/user-admin.ts";
import { recordDenial } from "../audit/denial-record.ts";
import { type DeletionReceipt, deleteUser } from "../deletion/delete-user.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { ProvisionedUser } from "../ports.ts";
import { normalizeEmail } from "../users/email.ts";
import { applyScimPatch, type ScimChange } from "./scim-patch.ts";
import { parseScimUser } from "./scim-user.ts";

export type ScimUserResult = Ok<{ provisioned: ProvisionedUser }> | Refusal;

export async function provisionScimUser(
  deps: Deps,
  actor: Actor,
  body: unknown,
  meta: RequestMeta,
): Promise<ScimUserResult> {
  const parsed = parseScimUser(body);
  if (!parsed.ok) return parsed;
  const { userName, name, externalId, active } = parsed.value;
  const created = await createUserAsAdmin(
    deps,
    actor,
    {
      email: userName,
      password: null,
      name,
      role: "user",
      ...(externalId === null ? {} : { externalId }),
      // Entra ID provisions users that are not active yet: created disabled, in the same transaction.
      status: active === false ? "disabled" : "active",
    },
    meta,
  );
  return created.ok ? { ok: true, provisioned: { user: created.user, externalId } } : created;
}

/** The user as SCIM sees them: USER_NOT_FOUND for one whose deletion is pending, as for one that never was. */
export async function getScimUser(deps: Deps, actor: Actor, id: string, meta: RequestMeta): Promise<ScimUserResult> {
  const read = await getUser(deps, actor, id, meta);
  if (!read.ok) return read;
  const provisioned = await deps.store.getProvisionedUser(id);
  if (provisioned === null || provisioned.user.purgeAfter !== null) {
    return recordDenial(deps, actor, meta, "users.read", id, refuse("USER_NOT_FOUND"));
  }
  return { ok: true, provisioned };
}

/** PUT: the whole resource again. The address must stay the one the account has; `active` absent leaves it. */
export async function replaceScimUser(
  deps: Deps,
  actor: Actor,
  id: string,
  body: unknown,
  meta: RequestMeta,
): Promise<ScimUserResult> {
  const parsed = parseScimUser(body);
  if (!parsed.ok) return parsed;
  const current = await getScimUser(deps, actor, id, meta);
  if (!current.ok) return current;
  const { userName, name, externalId, active } = parsed.value;
  if (normalizeEmail(userName) !== current.provisioned.user.email) {
    return refuse("IMMUTABLE_ATTRIBUTE", "userName is the account's e-mail address, which SCIM cannot change.");
  }
  return applyChange(
    deps,
    actor,
    current.provisioned,
    { name, externalId, ...(active === undefined ? {} : { active }) },
    meta,
  );
}

export async function patchScimUser(
  deps: Deps,
  actor: Actor,
  id: string,
  body: unknown,
  meta: RequestMeta,
): Promise<ScimUserResult> {
  const current = await getScimUser(deps, actor, id, meta);
  if (!current.ok) return current;
  const patched = applyScimPatch({ id, email: current.provisioned.user.email }, body);
  if (!patched.ok) return patched;
  return applyChange(deps, actor, current.provisioned, patched.change, meta);
}

/**
 * One update, with only what differs: re-sending `active: true` for an active user changes no status (and
 * ends no session). The update runs even when nothing differs, so its permission and target rules still
 * decide: a token that may not act on an administrator is refused a no-op PATCH too.
 */
async function applyChange(
  deps: Deps,
  actor: Actor,
  current: ProvisionedUser,
  change: ScimChange,
  meta: RequestMeta,
): Promise<ScimUserResult> {
  const { user } = current;
  const status = change.active === undefined ? undefined : change.active ? "active" : "disabled";
  const patch: AdminUserPatch = {
    ...(change.name !== undefined && change.name !== user.name ? { name: change.name } : {}),
    ...(status !== undefined && status !== user.status ? { status } : {}),
    ...(change.externalId !== undefined && change.externalId !== current.externalId
      ? { externalId: change.externalId }
      : {}),
  };
  const updated = await updateUserAsAdmin(deps, actor, user.id, patch, meta);
  if (!updated.ok) return updated;
  const externalId = patch.externalId === undefined ? current.externalId : patch.externalId;
  return { ok: true, provisioned: { user: updated.user, externalId } };
}

export async function deprovisionScimUser(
  deps: Deps,
  actor: Actor,
  id: string,
  meta: RequestMeta,
): Promise<Ok<{ receipt: DeletionReceipt }> | Refusal> {
  const current = await getScimUser(deps, actor, id, meta);
  if (!current.ok) return current;
  return deleteUser(deps, actor, id, {}, meta);
}
