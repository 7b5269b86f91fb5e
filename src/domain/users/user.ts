import type { Role } from "./role.ts";

export const userStatuses = ["active", "disabled"] as const;
export type UserStatus = (typeof userStatuses)[number];

/** A display name's bound, in UTF-16 units as every edge's schema counts it. */
export const maxNameLength = 200;

/**
 * What an account without a password stores (one an identity provider created over SCIM): not an argon2 hash,
 * so no password ever verifies against it, and the hasher treats it exactly like a missing account (the full
 * dummy work, then false: infra/argon2-hasher.ts), so its failed login costs what any other does.
 */
export const noPasswordHash = "!no-password";

/** A user as stored, including the password hash: never leaves the server. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set when a deletion with a grace period is pending; the account is disabled until then. */
  readonly purgeAfter: number | null;
}

/** A user as the session check reads them, on every request: everything but the password hash. */
export type SignedInUser = Omit<UserRecord, "passwordHash">;

/** What any API or page may show of a user. */
export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly purgeAfter: string | null;
}

export function toPublicUser(user: SignedInUser): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
    purgeAfter: user.purgeAfter === null ? null : new Date(user.purgeAfter).toISOString(),
  };
}
