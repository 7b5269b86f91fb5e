/**
 * @module
 * The settings every process on one database must share, with their ranges and defaults: read by the
 * environment's parser (config.ts) and by their reconciliation with the database (shared-settings.ts).
 */
export const sharedSettingRules = {
  DELETION_GRACE_DAYS: { field: "deletionGraceMs", unitMs: 86_400_000, min: 0, max: 90, fallback: 0 },
  SESSION_IDLE_MINUTES: { field: "sessionIdleMs", unitMs: 60_000, min: 1, max: 60, fallback: 30 },
  SESSION_ABSOLUTE_HOURS: { field: "sessionAbsoluteMs", unitMs: 3_600_000, min: 1, max: 24, fallback: 12 },
  REAUTH_WINDOW_MINUTES: { field: "reauthWindowMs", unitMs: 60_000, min: 1, max: 60, fallback: 15 },
} as const;

export type SharedSettingName = keyof typeof sharedSettingRules;
export const sharedSettingNames = Object.keys(sharedSettingRules) as SharedSettingName[];

export function isSharedSettingName(text: string): text is SharedSettingName {
  return Object.hasOwn(sharedSettingRules, text);
}
