/** Roles are ranked; an actor acts only on users ranked below it (a superuser on anyone). */
export const roles = ["user", "admin", "superuser"] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { user: 0, admin: 1, superuser: 2 };

export function roleRank(role: Role): number {
  return rank[role];
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Any role above `user`: granting one, or disabling its holder, changes who may administer. */
export function isPrivileged(role: Role): boolean {
  return rank[role] > rank.user;
}
