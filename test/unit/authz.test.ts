import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Actor } from "../../src/domain/actor.ts";
import {
  type AdminAction,
  adminActions,
  checkGrantedRole,
  checkTarget,
  permits,
  type TargetChange,
} from "../../src/domain/admin/authz.ts";
import type { ErrorCode } from "../../src/domain/errors.ts";
import { type Role, roles } from "../../src/domain/users/role.ts";
import type { UserRecord, UserStatus } from "../../src/domain/users/user.ts";

const at = Date.UTC(2026, 10, 26, 12, 0, 0);
let ids = 0;

function record(role: Role, status: UserStatus = "active"): UserRecord {
  ids += 1;
  return {
    id: `00000000-0000-4000-8000-${String(ids).padStart(12, "0")}`,
    email: `${role}-${ids}@example.test`,
    name: "",
    role,
    status,
    passwordHash: "$argon2id$fixture",
    createdAt: at,
    updatedAt: at,
    purgeAfter: null,
  };
}

function as(user: UserRecord): Actor {
  return { type: "user", user, session: null };
}

const anonymous: Actor = { type: "anonymous" };
const cli: Actor = { type: "cli" };
const system: Actor = { type: "system" };

const remove: TargetChange = { removesAccess: true };
const keep: TargetChange = { removesAccess: false };
const toRole = (newRole: Role): TargetChange => ({ removesAccess: false, newRole });

function codeOf(refusal: { code: ErrorCode } | null): ErrorCode | null {
  return refusal === null ? null : refusal.code;
}

describe("permits: the permission table, checked before any lookup", () => {
  const expected: readonly [string, Actor, boolean][] = [
    ["anonymous", anonymous, false],
    ["a user", as(record("user")), false],
    ["an admin", as(record("admin")), true],
    ["a superuser", as(record("superuser")), true],
    ["the CLI operator", cli, true],
    ["the server's own jobs", system, true],
  ];
  for (const [who, actor, allowed] of expected) {
    for (const action of adminActions) {
      test(`${who} ${allowed ? "holds" : "does not hold"} ${action}`, () => {
        assert.equal(permits(actor, action), allowed);
      });
    }
  }

  test("a disabled admin record still maps to the admin permissions: the session check keeps it out", () => {
    assert.equal(permits(as(record("admin", "disabled")), "users.delete"), true);
  });
});

/** One cell of the target rules: actor, action, target and change in, refusal code (or null) out. */
function rule(
  name: string,
  actor: Actor,
  action: AdminAction,
  target: UserRecord,
  change: TargetChange,
  expected: ErrorCode | null,
  activeSuperusers = 2,
): void {
  test(`${name} (${expected ?? "allowed"})`, () => {
    assert.equal(codeOf(checkTarget(actor, action, { target, activeSuperusers }, change)), expected);
  });
}

describe("checkTarget: an actor acts only on users ranked below it, a superuser on anyone", () => {
  const [user, otherUser, admin, otherAdmin, superuser] = [
    record("user"),
    record("user"),
    record("admin"),
    record("admin"),
    record("superuser"),
  ] as const;
  rule("an admin may delete a user", as(admin), "users.delete", user, remove, null);
  rule("an admin may not delete another admin", as(admin), "users.delete", otherAdmin, remove, "FORBIDDEN");
  rule("an admin may not delete a superuser", as(admin), "users.delete", superuser, remove, "FORBIDDEN");
  rule("an admin may not rename another admin", as(admin), "users.update", otherAdmin, keep, "FORBIDDEN");
  rule("an admin may read a superuser", as(admin), "users.read", superuser, keep, null);
  rule("an admin may read another admin", as(admin), "users.read", otherAdmin, keep, null);
  rule("an admin may not list a superuser's sessions", as(admin), "users.sessions.read", superuser, keep, "FORBIDDEN");
  rule(
    "an admin may not revoke an admin's sessions",
    as(admin),
    "users.sessions.revoke",
    otherAdmin,
    keep,
    "FORBIDDEN",
  );
  rule("an admin may not restore another admin", as(admin), "users.restore", otherAdmin, keep, "FORBIDDEN");
  rule("a user may not act on another user", as(user), "users.update", otherUser, keep, "FORBIDDEN");
  rule("a superuser may delete an admin", as(superuser), "users.delete", admin, remove, null);
  rule("the purge job outranks every role", system, "users.delete", admin, remove, null);
  rule("an admin may not make a user an admin", as(admin), "users.update", user, toRole("admin"), "FORBIDDEN");
  rule("an admin may not make a user a superuser", as(admin), "users.update", user, toRole("superuser"), "FORBIDDEN");
  rule("a superuser may make an admin a superuser", as(superuser), "users.update", admin, toRole("superuser"), null);
  rule("a superuser may make a user an admin", as(superuser), "users.update", user, toRole("admin"), null);
});

describe("checkTarget: no act may leave the system without an active superuser", () => {
  const [actor, other, disabled] = [record("superuser"), record("superuser"), record("superuser", "disabled")] as const;
  const su = as(actor);
  rule("a superuser may delete another superuser while two are active", su, "users.delete", other, remove, null, 2);
  rule(
    "deleting a superuser is refused when only one is active",
    su,
    "users.delete",
    other,
    remove,
    "LAST_SUPERUSER",
    1,
  );
  rule("disabling the last active superuser is refused", su, "users.update", other, remove, "LAST_SUPERUSER", 1);
  rule(
    "demoting the last superuser to admin is refused",
    su,
    "users.update",
    other,
    toRole("admin"),
    "LAST_SUPERUSER",
    1,
  );
  rule(
    "demoting the last superuser to user is refused",
    su,
    "users.update",
    other,
    toRole("user"),
    "LAST_SUPERUSER",
    1,
  );
  rule("demoting a superuser while two are active is allowed", su, "users.update", other, toRole("admin"), null, 2);
  rule("keeping a superuser a superuser is not losing one", su, "users.update", other, toRole("superuser"), null, 1);
  rule("renaming the last superuser is allowed", su, "users.update", other, keep, null, 1);
  rule("disabling an already disabled superuser is not losing one", su, "users.update", disabled, remove, null, 1);
  rule("demoting a disabled superuser is not losing one", su, "users.update", disabled, toRole("user"), null, 1);
  rule("deleting a disabled superuser is not losing one", su, "users.delete", disabled, remove, null, 1);
  rule(
    "the CLI operator may not delete the last superuser either",
    cli,
    "users.delete",
    other,
    remove,
    "LAST_SUPERUSER",
    1,
  );
  rule("the CLI operator may delete a superuser while two are active", cli, "users.delete", other, remove, null, 2);
});

describe("checkTarget: the admin path never removes, disables or re-roles the caller", () => {
  const [user, admin, superuser] = [record("user"), record("admin"), record("superuser")] as const;
  const self: TargetChange = { removesAccess: true, selfService: true };
  const selfError = "SELF_ACTION_FORBIDDEN";
  rule("an admin may not delete themselves", as(admin), "users.delete", admin, remove, selfError);
  rule("the delete action alone is enough to refuse it", as(admin), "users.delete", admin, keep, selfError);
  rule("an admin may not disable themselves", as(admin), "users.update", admin, remove, selfError);
  rule("an admin may not demote themselves", as(admin), "users.update", admin, toRole("user"), selfError);
  rule("an admin may not promote themselves", as(admin), "users.update", admin, toRole("superuser"), selfError);
  rule("a superuser may not delete themselves", as(superuser), "users.delete", superuser, remove, selfError);
  rule("a superuser may not demote themselves", as(superuser), "users.update", superuser, toRole("admin"), selfError);
  rule("an admin may rename themselves", as(admin), "users.update", admin, keep, null);
  rule("an admin may read themselves", as(admin), "users.read", admin, keep, null);
  rule("an admin may revoke their own sessions", as(admin), "users.sessions.revoke", admin, keep, null);
  rule("a user may delete themselves through self-service", as(user), "users.delete", user, self, null);
  rule("an admin may delete themselves through self-service", as(admin), "users.delete", admin, self, null);
  rule(
    "a superuser may leave through self-service while two are active",
    as(superuser),
    "users.delete",
    superuser,
    self,
    null,
    2,
  );
  rule(
    "the last superuser may not leave through self-service",
    as(superuser),
    "users.delete",
    superuser,
    self,
    "LAST_SUPERUSER",
    1,
  );
});

describe("checkGrantedRole: creating an account with a role", () => {
  const grants: readonly [string, Actor, Role, ErrorCode | null][] = [
    ["a user may not create a user", as(record("user")), "user", "FORBIDDEN"],
    ["an admin may create a user", as(record("admin")), "user", null],
    ["an admin may not create an admin", as(record("admin")), "admin", "FORBIDDEN"],
    ["an admin may not create a superuser", as(record("admin")), "superuser", "FORBIDDEN"],
    ["the CLI operator may create a superuser", cli, "superuser", null],
  ];
  for (const [name, actor, role, expected] of grants) {
    test(`${name} (${expected ?? "allowed"})`, () => assert.equal(codeOf(checkGrantedRole(actor, role)), expected));
  }
  for (const role of roles) {
    test(`a superuser may create a ${role}`, () => assert.equal(checkGrantedRole(as(record("superuser")), role), null));
  }
});
